/** Where the IT page's health comes from: each service's /metrics, and Kafka's offsets. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { allTopics, type KafkaClients, type TopicAdmin } from '@cdp/plumbing';
import { summariseOps, type OpsSummary, type Scrape } from '../core/ops';

export interface OpsSources {
  summary(): Promise<OpsSummary>;
  close(): Promise<void>;
}

export function createOpsSources({ targets, clients, prefix, maxAgeMs = 2000, staleMs = 30_000, now = Date.now }: { targets: { service: string; url: string }[]; clients: KafkaClients; prefix: string; maxAgeMs?: number; staleMs?: number; now?: () => number }): OpsSources {
  const scrape = async ({ service, url }: { service: string; url: string }): Promise<Scrape> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return { service, error: `${url} answered ${res.status}` };
      return { service, families: parsePrometheusTextFormat(await res.text()) };
    } catch (error) {
      return { service, error: `${url}: ${(error as Error).message}` };
    }
  };
  const topics = allTopics(prefix).map((t) => t.name);
  const deadLetters = topics.filter((t) => t.endsWith('.dlq'));
  // One admin connection for the console's life, opened again after a failure. A summary is
  // shared however many pages ask: younger than maxAgeMs it is answered as is; older, but younger
  // than staleMs, it is answered at once while a new one is read (the page shows its time).
  let admin: Promise<TopicAdmin> | undefined;
  let last: { at: number; summary: OpsSummary } | undefined;
  let reading: Promise<OpsSummary> | undefined;
  const read = async (): Promise<OpsSummary> => {
    admin ??= clients.admin();
    try {
      const kafka = await admin;
      const [scrapes, lag, dlq] = await Promise.all([
        Promise.all(targets.map(scrape)),
        kafka.groupLags(topics),
        Promise.all(deadLetters.map(async (topic) => ({ topic, messages: await kafka.endOffsetTotal(topic).catch(() => 0) }))),
      ]);
      return summariseOps(scrapes, lag, dlq, now());
    } catch (error) {
      const failed = admin;
      admin = undefined;
      await failed.then((a) => a.close()).catch(() => undefined);
      throw error;
    }
  };
  const refresh = () =>
    (reading ??= read()
      .then((summary) => (last = { at: now(), summary }).summary)
      .finally(() => (reading = undefined)));
  return {
    summary() {
      const age = last ? now() - last.at : Infinity;
      if (age <= maxAgeMs) return Promise.resolve(last!.summary);
      if (age <= staleMs) {
        refresh().catch(() => undefined);
        return Promise.resolve(last!.summary);
      }
      return refresh();
    },
    async close() {
      await (await admin?.catch(() => undefined))?.close();
    },
  };
}
