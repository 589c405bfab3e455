/** console: the business's live dashboards and customer lookup in the browser, read through the customer API. */
import { readFileSync } from 'node:fs';
import { createKafkaClients, createLogger, createTelemetry, Gauge, loadConfigOrExit, onShutdown } from '@cdp/plumbing';
import { createApiClient } from './adapters/api-client';
import { buildConsoleApp } from './adapters/http';
import { createOpsSources } from './adapters/ops-sources';
import { consoleConfigSchema } from './config';
import { createSessionStore } from './core/sessions';
import { parseConsoleUsers } from './core/users';

async function main(): Promise<void> {
  const config = loadConfigOrExit(consoleConfigSchema);
  const logger = createLogger('console', config.LOG_LEVEL);
  const users = parseConsoleUsers(JSON.parse(readFileSync(config.CONSOLE_USERS_FILE, 'utf8')), config.CONSOLE_USERS_FILE);
  const sessionTtlMs = config.CONSOLE_SESSION_HOURS * 3_600_000;
  const sessions = createSessionStore({ ttlMs: sessionTtlMs });
  const clients = createKafkaClients({ brokers: config.KAFKA_BROKERS, clientId: 'console', logger });
  const ops = createOpsSources({ targets: config.CONSOLE_METRICS_URLS, clients, prefix: config.TOPIC_PREFIX });
  const telemetry = createTelemetry('console');
  new Gauge({ name: 'console_sessions', help: 'Signed-in sessions held', registers: [telemetry.registry], collect() { this.set(sessions.size); } });
  await telemetry.listen(config.METRICS_PORT);
  const app = buildConsoleApp({ users, sessions, api: createApiClient(config.CONSOLE_API_URL), ops, logger, registry: telemetry.registry, sessionTtlMs, secureCookie: config.CONSOLE_SECURE_COOKIE });

  onShutdown(logger, [
    { name: 'http', run: () => app.close() },
    { name: 'kafka admin', run: () => ops.close() },
    { name: 'telemetry', run: () => telemetry.close() },
  ]);

  const address = await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
  logger.info({ address, api: config.CONSOLE_API_URL, users: users.names, metricsPort: config.METRICS_PORT }, 'console listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`console failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
