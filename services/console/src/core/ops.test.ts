import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { summariseOps } from './ops';

const ingest = `# HELP ingest_events_accepted_total x
# TYPE ingest_events_accepted_total counter
ingest_events_accepted_total{source="web-shop",type="track",service="ingest"} 40
ingest_events_accepted_total{source="web-shop",type="page",service="ingest"} 60
ingest_events_accepted_total{source="store-gateway",type="pos",service="ingest"} 7
# TYPE ingest_events_rejected_total counter
ingest_events_rejected_total{source="web-shop",code="ingest.invalid_field",service="ingest"} 3
ingest_events_rejected_total{source="web-shop",code="ingest.too_old",service="ingest"} 0
# TYPE ingest_requests_refused_total counter
ingest_requests_refused_total{status="401",code="unauthorized",service="ingest"} 2
# TYPE process_start_time_seconds gauge
process_start_time_seconds{service="ingest"} 1000
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{service="ingest"} 104857600
`;
const identity = `# TYPE cdp_records_total counter
cdp_records_total{topic="ingest.web-events.v1",outcome="ok",code="",service="identity"} 90
cdp_records_total{topic="ingest.web-events.v1",outcome="rejected",code="identity.undecodable",service="identity"} 4
cdp_records_total{topic="ingest.store-events.v1",outcome="ok",code="",service="identity"} 10
`;

test('ingest health from the services\' metrics and Kafka: sums by what an operator asks, zeros left out', () => {
  const summary = summariseOps(
    [
      { service: 'ingest', families: parsePrometheusTextFormat(ingest) },
      { service: 'identity', families: parsePrometheusTextFormat(identity) },
      { service: 'api', error: 'http://127.0.0.1:9105/metrics: connect ECONNREFUSED' },
    ],
    [{ group: 'identity', topic: 'ingest.web-events.v1', lag: 12 }, { group: 'aggregation', topic: 'enrichment.enriched-events.v1', lag: 0 }],
    [{ topic: 'ingest.web-events.v1.dlq', messages: 3 }, { topic: 'identity.links.v1.dlq', messages: 0 }],
    1_060_000,
  );
  expect(summary.services).toEqual([
    { service: 'ingest', up: true, uptimeSeconds: 60, residentMb: 100 },
    { service: 'identity', up: true, recordsOk: 100, recordsRejected: 4 },
    { service: 'api', up: false, error: 'http://127.0.0.1:9105/metrics: connect ECONNREFUSED' },
  ]);
  expect(summary.ingest).toEqual({
    accepted: [{ source: 'web-shop', events: 100 }, { source: 'store-gateway', events: 7 }],
    deadLettered: [{ source: 'web-shop', reason: 'ingest.invalid_field', events: 3 }],
    refused: [{ status: '401', reason: 'unauthorized', requests: 2 }],
  });
  expect(summary.rejected).toEqual([{ service: 'identity', topic: 'ingest.web-events.v1', reason: 'identity.undecodable', records: 4 }]);
  expect(summary.lag).toEqual([{ group: 'aggregation', topic: 'enrichment.enriched-events.v1', lag: 0 }, { group: 'identity', topic: 'ingest.web-events.v1', lag: 12 }]);
  expect(summary.deadLetterTopics).toEqual([{ topic: 'ingest.web-events.v1.dlq', messages: 3 }]);
  expect(summary.at).toBe('1970-01-01T00:17:40.000Z');
});
