/** `pnpm load catalogue FILE`: reference data into its compacted topic. */
import { CdpError, createAvroCodec, createKafkaClients, createLogger, loadSchemaCatalog, topicsWithPrefix, valueSubjectOf } from '@cdp/plumbing';
import { CatalogueFileError, readCatalogueFile } from './load/catalogue';

/** Loads a catalogue file into the products topic; returns how many products it sent. */
export async function loadCatalogue(file: string, { quiet = false, prefix = process.env.TOPIC_PREFIX ?? '' } = {}): Promise<number> {
  const products = readCatalogueFile(file);
  const topic = topicsWithPrefix(prefix).products;
  const logger = createLogger('load', 'error');
  const clients = createKafkaClients({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'load-catalogue', logger });
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' });
  const id = await codec.idOf(valueSubjectOf(topic.name), loadSchemaCatalog().resolve(topic.valueType));
  const producer = await clients.producer();
  await producer.send(topic.name, products.map((p) => ({ key: p.sku, value: codec.encode(id, p) })));
  await producer.close();
  if (!quiet) console.log(`loaded ${products.length} products from ${file} into ${topic.name} (version ${products[0]!.sourceVersion})`);
  return products.length;
}

function main(): void {
  const [kind, file] = process.argv.slice(2);
  if (kind !== 'catalogue' || !file) {
    console.error('usage: pnpm load catalogue FILE.csv   (columns: sku,name,category,brand,price,currency)');
    process.exit(2);
  }
  loadCatalogue(file).then(
    () => process.exit(0),
    (error: unknown) => {
      const known = error instanceof CatalogueFileError || error instanceof CdpError;
      console.error(`load failed: ${known ? (error as Error).message : (error as Error).stack}`);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
