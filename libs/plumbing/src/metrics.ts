import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type HealthCheck = () => { healthy: boolean; detail?: Record<string, unknown> };

export interface Telemetry {
  readonly registry: Registry;
  /** Serves GET /metrics (Prometheus text) and GET /health (200 or 503 with JSON detail). */
  listen(port: number, host?: string): Promise<Server>;
  close(): Promise<void>;
}

/** One Prometheus registry per process, with Node's default metrics labelled by service. */
export function createTelemetry(service: string, health: HealthCheck = () => ({ healthy: true })): Telemetry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  let server: Server | undefined;

  return {
    registry,
    listen(port, host = '127.0.0.1') {
      server = createServer((req, res) => {
        if (req.method === 'GET' && req.url === '/metrics') {
          registry.metrics().then(
            (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
            (error: Error) => res.writeHead(500).end(error.message),
          );
          return;
        }
        if (req.method === 'GET' && req.url === '/health') {
          const state = health();
          res
            .writeHead(state.healthy ? 200 : 503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ service, status: state.healthy ? 'ok' : 'unhealthy', ...state.detail }));
          return;
        }
        res.writeHead(404).end();
      });
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve(s));
      });
    },
    close() {
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
