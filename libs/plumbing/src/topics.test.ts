import { ConfigError } from './errors';
import { loadSchemaCatalog } from './schemas';
import { partitionFor, partitionOfKey } from './kafka';
import { TOPICS, allTopics, deadLetterTopicOf, eventRetentionHoursOf, valueSubjectOf, withEventRetention } from './topics';

describe('topic catalogue', () => {
  const topics = allTopics();

  it('names topics <domain>.<entity>.v<N>, dead letters <topic>.dlq, and never twice', () => {
    for (const t of topics) expect(t.name).toMatch(/^[a-z]+\.[a-z-]+\.v\d+(\.dlq)?$/);
    for (const t of allTopics('e2e-abc.')) expect(t.name).toMatch(/^e2e-abc\.[a-z]+\.[a-z-]+\.v\d+(\.dlq)?$/);
    expect(new Set(topics.map((t) => t.name)).size).toBe(topics.length);
  });

  it('gives every topic a dead-letter topic and compacts state and reference data', () => {
    for (const t of Object.values(TOPICS)) expect(topics.map((x) => x.name)).toContain(deadLetterTopicOf(t).name);
    for (const t of [TOPICS.products, TOPICS.identifierAssignments, TOPICS.personMerges, TOPICS.signalState]) expect(t.cleanupPolicy).toBe('compact');
    // Signals are events for applications, not state: they expire with the topic's retention.
    expect(TOPICS.signals.cleanupPolicy).toBe('delete');
  });

  it('points every topic at a schema that exists', () => {
    const catalog = loadSchemaCatalog();
    for (const t of topics) expect(() => catalog.fileOf(t.valueType)).not.toThrow();
  });

  it('uses the TopicNameStrategy subject', () => {
    expect(valueSubjectOf('web.segment-events.v1')).toBe('web.segment-events.v1-value');
  });
});

describe('personal data on compacted topics', () => {
  it('rolls the segments of every compacted topic that names persons or identifiers daily, so tombstoned records are compacted away', () => {
    const personal = Object.values(TOPICS).filter((t) => t.personal).map((t) => t.name).sort();
    expect(personal).toEqual(['aggregation.signal-state.v1', 'identity.history.v2', 'identity.identifier-blocks.v1', 'identity.identifiers.v1', 'identity.person-merges.v1', 'privacy.erasure-requests.v1'].sort());
    for (const t of Object.values(TOPICS).filter((x) => x.personal)) expect(t.cleanupPolicy).toBe('compact');
  });

  it('keeps a tenant\'s history and erasure requests on the partition its links go to, whatever the rest of the key', () => {
    const links = partitionOfKey('demo', TOPICS.identityLinks.partitions);
    expect(partitionFor(TOPICS.identityHistory, 'demo|entry-1')).toBe(links);
    expect(partitionFor(TOPICS.identityHistory, 'demo|entry-2')).toBe(links);
    expect(partitionFor(TOPICS.erasureRequests, 'demo|er_1')).toBe(links);
    expect(TOPICS.erasureRequests.partitions).toBe(TOPICS.identityLinks.partitions);
    // Tenants spread over the partitions like the links do.
    const tenants = ['demo', 'acme', 'north', 'south', 'shop-1', 'shop-2', 'shop-3', 'shop-4'];
    expect(new Set(tenants.map((x) => partitionFor(TOPICS.identityHistory, `${x}|e`))).size).toBeGreaterThan(1);
    expect(partitionFor(TOPICS.identifierAssignments, 'demo|user_id|u1')).toBeUndefined();
  });
});

describe('event retention', () => {
  it('fills in the event retention where a delete topic states none, and leaves the others', () => {
    const specs = withEventRetention(allTopics(), 48);
    const byName = new Map(specs.map((s) => [s.name, s.retentionMs]));
    expect(byName.get('web.segment-events.v1')).toBe(48 * 3_600_000);
    expect(byName.get('enrichment.enriched-events.v1')).toBe(48 * 3_600_000);
    expect(byName.get('web.segment-events.v1.dlq')).toBe(48 * 3_600_000);
    expect(byName.get('identity.history.v2')).toBeUndefined();
    expect(byName.get('identity.identifiers.v1')).toBeUndefined();
    expect(specs.filter((s) => s.cleanupPolicy === 'delete' && s.retentionMs === undefined)).toEqual([]);
  });

  it('reads CDP_EVENT_RETENTION_HOURS, 7 days when unset, and refuses what is not a whole number of hours', () => {
    expect(eventRetentionHoursOf({})).toBe(168);
    expect(eventRetentionHoursOf({ CDP_EVENT_RETENTION_HOURS: '72' })).toBe(72);
    expect(() => eventRetentionHoursOf({ CDP_EVENT_RETENTION_HOURS: '1.5' })).toThrow('CDP_EVENT_RETENTION_HOURS: "1.5" is not a whole number of hours of at least 1');
    expect(() => eventRetentionHoursOf({ CDP_EVENT_RETENTION_HOURS: 'abc' })).toThrow(ConfigError);
    expect(() => eventRetentionHoursOf({ CDP_EVENT_RETENTION_HOURS: '0' })).toThrow(/at least 1/);
  });
});
