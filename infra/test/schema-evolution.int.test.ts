/**
 * A schema that changed must still be accepted where the earlier version is registered: each
 * earlier version kept in previous-schemas/ (as it was committed) is registered under a fresh
 * subject with BACKWARD compatibility, then today's version over it, as `pnpm schemas:register`
 * does on a registry that holds the earlier one. A record written with the earlier version reads
 * into today's schema, the new fields with their defaults, as consumers read it after an upgrade.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAvroCodec, loadSchemaCatalog, SCHEMAS_DIR, type AvroSchema } from '@cdp/plumbing';
import { REGISTRY_URL } from '../src/stack/servers';

interface PreviousVersion {
  /** The earlier file in previous-schemas/, and the file of schemas/ it was. */
  file: string;
  was: string;
  type: string;
  /** A record of the earlier version, and how today's schema reads it. */
  written: object;
  read: object;
}

const link = [{ type: 'user_id', value: 'u1' }, { type: 'anonymous_id', value: 'a1' }];
const PREVIOUS: PreviousVersion[] = [
  {
    file: 'person-merge.v1.avsc',
    was: 'identity/person-merge.avsc',
    type: 'cdp.identity.PersonMerge',
    written: { tenant: 'demo', fromPersonId: 'p2', toPersonId: 'p1', mergedAt: 1_763_900_000_000, causeEventId: 'e1', link },
    read: { tenant: 'demo', fromPersonId: 'p2', toPersonId: 'p1', mergedAt: 1_763_900_000_000, causeEventId: 'e1', link, viaPersonId: null },
  },
];

/** The earlier version resolved as it was registered: today's catalogue with the earlier file in its place. */
function resolvePrevious(p: PreviousVersion): AvroSchema {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-schemas-'));
  try {
    cpSync(SCHEMAS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, p.was), readFileSync(join(__dirname, 'previous-schemas', p.file)));
    return loadSchemaCatalog(dir).resolve(p.type);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('schema evolution (BACKWARD) over the registered earlier versions', () => {
  const codec = createAvroCodec({ url: process.env.SCHEMA_REGISTRY_URL ?? REGISTRY_URL });
  const catalog = loadSchemaCatalog();

  it.each(PREVIOUS.map((p) => [p.file, p] as const))('accepts today\'s version over %s, and reads its records', async (_file, p) => {
    const previous = resolvePrevious(p);
    const current = catalog.resolve(p.type);
    expect(previous).not.toEqual(current);
    const subject = `evolution-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-value`;
    const previousId = await codec.register(subject, previous, 'BACKWARD');
    const currentId = await codec.register(subject, current, 'BACKWARD');
    expect(currentId).not.toBe(previousId);
    expect(await codec.decode(codec.encode(previousId, p.written), current)).toEqual(p.read);
  });
});
