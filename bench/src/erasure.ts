/**
 * `pnpm bench:erasure`: what one erasure costs the identity graph writer where it grows with the
 * data: reading the tenant's history (identity.history.v2) to find the entries that name the
 * erased person. Writes `--entries` history entries of one tenant to a topic of its own on the
 * running stack, then runs the graph writer's scan (historyReader) for one person and prints the
 * time and entries/s. The rest of an erasure (a handful of tombstones, the ClickHouse deletes)
 * does not grow with the history: `pnpm demo` prints a whole one.
 *
 *   pnpm stack:up; pnpm bench:erasure [--entries 500000]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { allTopics, createAvroCodec, createKafkaClients, createLogger, loadSchemaCatalog, partitionFor, identifierKey, topicsWithPrefix, valueSubjectOf, type CdpIdentity } from '@cdp/plumbing';
// Relative import: @cdp/bench does not list @cdp/identity as a dependency (a service, not a library).
import { historyReader } from '../../services/identity/src/adapters/kafka';
import { ensureTopics } from '../../infra/src/setup/topics';
import { describeMachine, positive } from './common';

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (x: number) => Math.round(x).toLocaleString('en');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entries: { type: 'string', default: '500000' } } });
  const entries = positive('entries', values.entries!);
  const prefix = `bench-erasure-${Date.now().toString(36)}.`;
  const t = topicsWithPrefix(prefix);
  const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'bench-erasure', logger: createLogger('bench-erasure', 'error') });
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
  const admin = await clients.admin();
  const specs = allTopics(prefix).filter((s) => s.name === t.identityHistory.name);
  await ensureTopics(admin, specs);
  say(describeMachine());
  try {
    const schemaId = await codec.register(valueSubjectOf(t.identityHistory.name), loadSchemaCatalog().resolve(t.identityHistory.valueType));
    // Entries as the graph writer writes them: a link of a browser and an account, each person's own.
    const producer = await clients.producer();
    const started = performance.now();
    for (let i = 0; i < entries; i += 10_000) {
      const records = [];
      for (let j = i; j < Math.min(entries, i + 10_000); j++) {
        const entry: CdpIdentity.IdentityHistoryEntry = {
          tenant: 'bench', entryId: `e${j}`, eventId: `ev${j}`, eventTime: 1_700_000_000_000 + j, appliedAt: 1_700_000_000_000 + j,
          identifiers: [{ type: 'user_id', value: `u${j}` }, { type: 'anonymous_id', value: `a${j}` }], personId: `p${j}`,
          firstSeen: [{ type: 'user_id', value: `u${j}` }, { type: 'anonymous_id', value: `a${j}` }], joins: [], refusals: [], split: null,
        };
        const key = `bench|e${j}`;
        records.push({ key, value: codec.encode(schemaId, entry), partition: partitionFor(t.identityHistory, key)! });
      }
      await producer.send(t.identityHistory.name, records);
    }
    await producer.close();
    say(`wrote ${n(entries)} history entries of one tenant in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const scan = historyReader(t.identityHistory, clients, codec);
    const target = Math.floor(entries / 2);
    for (const round of [1, 2]) {
      const begin = performance.now();
      const key = identifierKey('bench', { type: 'user_id', value: `u${target}` });
      const found = (await scan('bench', (e) => e.personId === `p${target}` || e.identifiers.some((i) => identifierKey('bench', i) === key))).map((e) => e.entryId);
      const seconds = (performance.now() - begin) / 1000;
      say(`scan ${round}: ${n(entries)} entries read in ${seconds.toFixed(2)} s (${n(entries / seconds)} entries/s), found ${found.length} naming the person (${found.join(', ')})`);
    }
  } finally {
    await admin.deleteTopics(specs.map((s) => s.name)).catch(() => undefined);
    await admin.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:erasure failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
