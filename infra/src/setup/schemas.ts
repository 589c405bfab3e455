import { allTopics, loadSchemaCatalog, valueSubjectOf, type AvroCodec, type SchemaCatalog, type TopicSpec } from '@cdp/plumbing';

export interface RegisteredSubject {
  subject: string;
  type: string;
  id: number;
}

/**
 * Registers the value schema of every topic under its TopicNameStrategy subject with BACKWARD
 * compatibility. Registering an unchanged schema returns its existing id; an incompatible change
 * throws SchemaIncompatibleError naming the subject and the registry's reason.
 */
export async function registerSchemas(
  codec: AvroCodec,
  specs: readonly TopicSpec[] = allTopics(),
  catalog: SchemaCatalog = loadSchemaCatalog(),
): Promise<RegisteredSubject[]> {
  const out: RegisteredSubject[] = [];
  for (const spec of specs) {
    const subject = valueSubjectOf(spec.name);
    const id = await codec.register(subject, catalog.resolve(spec.valueType), 'BACKWARD');
    out.push({ subject, type: spec.valueType, id });
  }
  return out;
}
