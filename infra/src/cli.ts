/** Entry point of the stack commands: `tsx infra/src/cli.ts up|down|status|topics|schemas`. */
import { CdpError, createAvroCodec, createKafkaClients, createLogger, TOPICS } from '@cdp/plumbing';
import { registerSchemas } from './setup/schemas';
import { HISTORY_V1, moveHistoryV1 } from './setup/history-v1';
import { ensureTopics } from './setup/topics';
import { down, states, status, up } from './stack/stack';
import { start, status as systemStatus, stop } from './system';
import { REGISTRY_URL } from './stack/servers';

const commands: Record<string, () => Promise<unknown>> = {
  up: () => up(),
  down: () => down(),
  status: () => status(),
  start: () => start(),
  stop: () => stop(),
  'system-status': () => systemStatus(),
  /** Exit 0 when every server runs and answers: lets scripts decide whether to start the stack. */
  async running() {
    if ((await states()).some((s) => s.health !== 'healthy')) process.exit(1);
  },
  async topics() {
    const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'cdp-topics', logger: createLogger('topics', 'error') });
    const admin = await clients.admin();
    try {
      const report = await ensureTopics(admin);
      console.log(`created: ${report.created.join(', ') || 'none'}`);
      if (report.grown.length) console.log(`grown: ${report.grown.join('; ')}`);
      if (report.retained.length) console.log(`retention set: ${report.retained.join('; ')}`);
      for (const p of report.problems) console.log(`WARNING ${p}`);
      const moved = await moveHistoryV1(admin, clients, TOPICS.identityHistory);
      if (moved.copied !== undefined) console.log(`identity history moved to ${TOPICS.identityHistory.name} (${moved.copied} entries), ${HISTORY_V1} deleted`);
      if (moved.problem) console.log(`WARNING ${moved.problem}`);
    } finally {
      await admin.close();
    }
  },
  async schemas() {
    const registered = await registerSchemas(createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL }));
    for (const r of registered) console.log(`${r.subject}  id ${r.id}  (${r.type})`);
  },
};

const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  console.error(`usage: cli.ts ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
command().then(
  () => process.exit(0),
  (error: unknown) => {
    // Errors of ours carry a message meant for the user; anything else gets its stack.
    console.error(`\n${name} failed: ${error instanceof CdpError ? error.message : (error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
