import { PERSONAL_SEGMENT_MS, allTopics, eventRetentionHoursOf, withEventRetention, type TopicAdmin, type TopicSpec } from '@cdp/plumbing';

export interface TopicReport {
  created: string[];
  grown: string[];
  /** Existing topics whose retention was set to the catalogue's. */
  retained: string[];
  problems: string[];
}

/** The stack's topics: the catalogue, with the event retention (CDP_EVENT_RETENTION_HOURS, default 7 days). */
export const stackTopics = (): TopicSpec[] => withEventRetention(allTopics(), eventRetentionHoursOf());

/**
 * Creates every topic of the catalogue that is missing, grows partitions that are fewer than
 * stated, sets a stated retention on an existing topic, and reports settings that differ (a
 * cleanup policy is never changed silently).
 */
export async function ensureTopics(admin: TopicAdmin, specs: readonly TopicSpec[] = stackTopics()): Promise<TopicReport> {
  const created = await admin.createTopics(specs);
  const described = await admin.describeTopics(specs.map((s) => s.name));
  const grown: string[] = [];
  const retained: string[] = [];
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
    // Safe to change in place: only deletion of old segments depends on it. A topic created
    // before the catalogue stated a retention would otherwise lose records after 7 days.
    const retention = actual.config['retention.ms'];
    if (spec.retentionMs !== undefined && retention !== String(spec.retentionMs)) {
      await admin.setTopicConfigs(spec.name, { 'retention.ms': String(spec.retentionMs) });
      retained.push(`${spec.name}: retention.ms ${retention ?? 'unset'} -> ${spec.retentionMs}`);
    }
    const segment = actual.config['segment.ms'];
    if (spec.personal && segment !== String(PERSONAL_SEGMENT_MS)) {
      await admin.setTopicConfigs(spec.name, { 'segment.ms': String(PERSONAL_SEGMENT_MS) });
      retained.push(`${spec.name}: segment.ms ${segment ?? 'unset'} -> ${PERSONAL_SEGMENT_MS}`);
    }
  }
  return { created, grown, retained, problems };
}
