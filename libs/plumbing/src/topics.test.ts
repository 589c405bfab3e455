import { loadSchemaCatalog } from './schemas';
import { TOPICS, allTopics, deadLetterTopicOf, valueSubjectOf } from './topics';

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
