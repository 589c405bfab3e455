/**
 * The IT page's ingest health, from what the services already publish: each one's Prometheus
 * metrics (accepted, dead-lettered by reason, refused requests, records each stage passed or
 * rejected) and Kafka (each consumer group's lag, what each dead-letter topic holds).
 */
import type { MetricFamily } from 'parse-prometheus-text-format';

export interface Scrape {
  service: string;
  /** The families read, or the reason the scrape failed. */
  families?: MetricFamily[];
  error?: string;
}

export interface GroupLag {
  group: string;
  topic: string;
  lag: number;
}

export interface OpsSummary {
  at: string;
  /** recordsOk and recordsRejected: of the stages that count input records (cdp_records_total); absent for the others. */
  services: { service: string; up: boolean; error?: string; uptimeSeconds?: number; residentMb?: number; recordsOk?: number; recordsRejected?: number }[];
  ingest: {
    accepted: { source: string; events: number }[];
    deadLettered: { source: string; reason: string; events: number }[];
    refused: { status: string; reason: string; requests: number }[];
  };
  /** Records a stage sent to a dead-letter topic, by service, topic and reason. */
  rejected: { service: string; topic: string; reason: string; records: number }[];
  lag: GroupLag[];
  deadLetterTopics: { topic: string; messages: number }[];
}

type Sample = { labels: Record<string, string>; value: number };

function samples(families: MetricFamily[] | undefined, name: string): Sample[] {
  const family = families?.find((f) => f.name === name);
  return (family?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })).filter((s) => Number.isFinite(s.value));
}

/** Sums samples by the labels named, dropping groups that sum to zero. */
function sumBy<K extends string>(list: Sample[], keys: readonly K[]): (Record<K, string> & { value: number })[] {
  const sums = new Map<string, Record<K, string> & { value: number }>();
  for (const s of list) {
    const parts = keys.map((k) => s.labels[k] ?? '');
    const id = JSON.stringify(parts);
    const row = sums.get(id) ?? (Object.fromEntries([...keys.map((k, i) => [k, parts[i]]), ['value', 0]]) as Record<K, string> & { value: number });
    row.value += s.value;
    sums.set(id, row);
  }
  return [...sums.values()].filter((r) => r.value !== 0).sort((a, b) => b.value - a.value);
}

export function summariseOps(scrapes: Scrape[], lag: GroupLag[], deadLetterTopics: { topic: string; messages: number }[], now: number): OpsSummary {
  const all = (name: string): Sample[] => scrapes.flatMap((s) => samples(s.families, name).map((x) => ({ ...x, labels: { ...x.labels, service: s.service } })));
  return {
    at: new Date(now).toISOString(),
    services: scrapes.map((s) => {
      if (!s.families) return { service: s.service, up: false, error: s.error ?? 'no answer' };
      const started = samples(s.families, 'process_start_time_seconds')[0]?.value;
      const resident = samples(s.families, 'process_resident_memory_bytes')[0]?.value;
      const counts = s.families.some((f) => f.name === 'cdp_records_total');
      const records = samples(s.families, 'cdp_records_total');
      const count = (outcome: string) => records.filter((r) => r.labels.outcome === outcome).reduce((n, r) => n + r.value, 0);
      return {
        service: s.service,
        up: true,
        ...(started !== undefined ? { uptimeSeconds: Math.max(0, Math.round(now / 1000 - started)) } : {}),
        ...(resident !== undefined ? { residentMb: Math.round(resident / 1048576) } : {}),
        ...(counts ? { recordsOk: count('ok'), recordsRejected: count('rejected') } : {}),
      };
    }),
    ingest: {
      accepted: sumBy(all('ingest_events_accepted_total'), ['source'] as const).map((r) => ({ source: r.source, events: r.value })),
      deadLettered: sumBy(all('ingest_events_rejected_total'), ['source', 'code'] as const).map((r) => ({ source: r.source, reason: r.code, events: r.value })),
      refused: sumBy(all('ingest_requests_refused_total'), ['status', 'code'] as const).map((r) => ({ status: r.status, reason: r.code, requests: r.value })),
    },
    rejected: sumBy(all('cdp_records_total').filter((s) => s.labels.outcome === 'rejected'), ['service', 'topic', 'code'] as const).map((r) => ({ service: r.service, topic: r.topic, reason: r.code, records: r.value })),
    lag: [...lag].sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic)),
    deadLetterTopics: deadLetterTopics.filter((t) => t.messages > 0).sort((a, b) => b.messages - a.messages),
  };
}
