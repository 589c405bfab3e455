import { allTopics, type TopicAdmin, type TopicSpec } from '@cdp/plumbing';

export interface TopicReport {
  created: string[];
  grown: string[];
  problems: string[];
}

/**
 * Creates every topic of the catalogue that is missing, grows partitions that are fewer than
 * stated, and reports settings that differ (a cleanup policy is never changed silently).
 */
export async function ensureTopics(admin: TopicAdmin, specs: readonly TopicSpec[] = allTopics()): Promise<TopicReport> {
  const created = await admin.createTopics(specs);
  const described = await admin.describeTopics(specs.map((s) => s.name));
  const grown: string[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    const actual = described.find((d) => d.name === spec.name);
    if (!actual) {
      problems.push(`${spec.name}: missing after create`);
      continue;
    }
    if (actual.partitions < spec.partitions) {
      await admin.growPartitions(spec.name, spec.partitions);
      grown.push(`${spec.name}: ${actual.partitions} -> ${spec.partitions} partitions`);
    } else if (actual.partitions > spec.partitions) {
      problems.push(`${spec.name}: has ${actual.partitions} partitions, catalogue says ${spec.partitions} (Kafka cannot remove partitions)`);
    }
    const policy = actual.config['cleanup.policy'];
    if (policy !== undefined && policy !== spec.cleanupPolicy) {
      problems.push(`${spec.name}: cleanup.policy is ${policy}, catalogue says ${spec.cleanupPolicy}`);
    }
  }
  return { created, grown, problems };
}
