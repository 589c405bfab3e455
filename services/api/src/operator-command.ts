/**
 * The frame of an operator's command beside the API (`pnpm erase`, `pnpm identity-block`): the
 * configuration (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, PII_HASH_SALT, as the services
 * read them), the arguments, Kafka and the registry, the topic opened for the command and closed
 * after it. Exit 0: done; 1: refused or failed; 2: wrong usage (printed with the usage); 78: bad
 * configuration.
 */
import { ConfigError, createAvroCodec, createKafkaClients, createLogger, loadConfig, saltOf, topicsWithPrefix, type AvroCodec, type KafkaClients, type Logger } from '@cdp/plumbing';
import { operatorConfigSchema } from './config';
import { UsageError } from './core/cli-args';

export const out = (line: string) => void process.stdout.write(`${line}\n`);
export const err = (line: string) => void process.stderr.write(`${line}\n`);

export interface OperatorCommand<C, T extends { close(): Promise<void> }> {
  /** As in `pnpm NAME`; the Kafka client id is NAME-cli. */
  name: string;
  usage: string;
  /** The command, or help; throws UsageError naming the flag. */
  parse(argv: string[], salt: string): C | { kind: 'help' };
  /** The command hashes an identifier the operator typed (a warning when PII_HASH_SALT is not set). */
  hashes(command: C): boolean;
  open(access: { clients: KafkaClients; codec: AvroCodec; topics: ReturnType<typeof topicsWithPrefix>; logger: Logger }, command: C): Promise<T>;
  run(command: C, topic: T): Promise<number>;
}

export async function runOperatorCommand<C, T extends { close(): Promise<void> }>(argv: string[], command: OperatorCommand<C, T>): Promise<number> {
  let config;
  try {
    config = loadConfig(operatorConfigSchema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(error.message);
    return 78;
  }
  let parsed: C | { kind: 'help' };
  try {
    parsed = command.parse(argv, saltOf(config));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${command.usage}`);
    return 2;
  }
  if ((parsed as { kind?: string }).kind === 'help') {
    out(command.usage);
    return 0;
  }
  const what = parsed as C;
  if (!config.PII_HASH_SALT && command.hashes(what)) err('PII_HASH_SALT is not set: hashing with the development salt, as the services do without it');
  const logger = createLogger(command.name, config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: `${command.name}-cli`, logger });
  const codec = createAvroCodec({ url: config.SCHEMA_REGISTRY_URL });
  const topic = await command.open({ clients, codec, topics: topicsWithPrefix(config.TOPIC_PREFIX), logger }, what);
  try {
    return await command.run(what, topic);
  } finally {
    await topic.close();
  }
}

/** Runs the command when its file is the process's entry point, and exits with its code. */
export function exitWith(name: string, code: Promise<number>): void {
  code.then(
    (c) => process.exit(c),
    (error: unknown) => {
      err(`${name} failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
