/**
 * Loading a file from code or the command line: the function `pnpm load` and the demo call.
 * Endpoints, topic prefix and salt come from the environment as for the services
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, PII_HASH_SALT).
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createAvroCodec, createKafkaClients, createLogger, loadConfig, type CdpReference } from '@cdp/plumbing';
import { createLoader, type LoadResult } from './adapters/kafka-loader';
import { loadCommandConfigSchema, saltOf } from './config';
import { catalogue } from './core/catalogue';
import { parseDelivery, type DatasetName } from './core/dataset';
import { DeliveryRefusedError, LoaderUsageError } from './core/errors';
import type { Format } from './core/input';

export interface LoadFileOptions {
  /** The tenant the data belongs to (catalogue, stores, segments); default demo. */
  tenant?: string;
  /** Segments: the partner the file comes from. */
  partner?: string;
  /** csv or json; by default from the file name (.csv; .json, .jsonl, .ndjson). */
  format?: Format;
  /** Where KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, PII_HASH_SALT and LOG_LEVEL are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Topic prefix instead of TOPIC_PREFIX (a test's or benchmark's own topics). */
  prefix?: string;
  /** Records sent so far, of the total, while the version's transaction is open. */
  onProgress?: (sent: number, total: number) => void;
}

export const DEFAULT_TENANT = 'demo';

/** csv for .csv, json for .json, .jsonl and .ndjson; undefined for anything else. */
export function formatOfFile(file: string): Format | undefined {
  const ext = extname(file).toLowerCase();
  return ext === '.csv' ? 'csv' : ['.json', '.jsonl', '.ndjson'].includes(ext) ? 'json' : undefined;
}

function formatFor(file: string, format: Format | undefined): Format {
  const chosen = format ?? formatOfFile(file);
  if (!chosen) throw new LoaderUsageError(`cannot tell the format of ${file}: name it .csv, .json, .jsonl or .ndjson, or give the format`);
  return chosen;
}

/**
 * Loads a whole version of a dataset from a file: refused whole (DeliveryRefusedError, naming
 * every line, field and reason) or published in one Kafka transaction; nothing when the same
 * version is live already. Resolves with the counts.
 */
export async function loadDatasetFile(dataset: DatasetName, file: string, options: LoadFileOptions = {}): Promise<LoadResult> {
  const env = options.env ?? process.env;
  const config = loadConfig(loadCommandConfigSchema, options.prefix === undefined ? env : { ...env, TOPIC_PREFIX: options.prefix });
  const format = formatFor(file, options.format);
  const bytes = readFileSync(file);
  // Quiet unless LOG_LEVEL asks: kafkajs reports the retries it makes on its own as errors.
  const logger = createLogger('loader', env.LOG_LEVEL || 'silent');
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'loader-cli', logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const loader = createLoader({ clients, codec, prefix: config.TOPIC_PREFIX, salt: saltOf(config), logger });
  return loader.load({
    dataset,
    bytes,
    format,
    sourceName: basename(file),
    tenant: options.tenant ?? DEFAULT_TENANT,
    ...(options.partner ? { partner: options.partner } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/**
 * The products of a catalogue file as they would be published (without Kafka), e.g. for a
 * simulator that needs the skus and prices. Throws DeliveryRefusedError when the file is invalid.
 */
export function readCatalogueFile(file: string, { tenant = DEFAULT_TENANT, format }: { tenant?: string; format?: Format } = {}): CdpReference.Product[] {
  const delivery = parseDelivery(catalogue, readFileSync(file), formatFor(file, format), { tenant, salt: '', sourceName: basename(file), loadedAt: Date.now() });
  if (!delivery.ok) throw new DeliveryRefusedError('catalogue', file, delivery.errors, delivery.errorCount);
  return delivery.records.map((r) => r.value);
}
