/**
 * What every dataset has in common: a definition (topic, formats, fields, a row parser, the key
 * and the scope a full version replaces), and parseDelivery, which turns a delivery's bytes into
 * the keyed records of one version, or into the list of everything wrong with it.
 */
import { createHash } from 'node:crypto';
import type { TopicKey } from '@cdp/plumbing';
import { ErrorList, LoaderUsageError, type RowError } from './errors';
import { decodeText, readRows, type FieldSet, type Format, type InputRow } from './input';

export const DATASET_NAMES = ['catalogue', 'stores', 'segments', 'demographics'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
export const isDatasetName = (name: string): name is DatasetName => (DATASET_NAMES as readonly string[]).includes(name);

/** Tenants and partners are slugs: they are parts of record keys and transactional ids. */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Who delivers and what the version is: every record carries its source, version and load time. */
export interface DeliveryContext {
  tenant: string;
  /** Segments only: the partner the delivery speaks for (from the upload key or --partner, never from the file). */
  partner?: string;
  /** PII_HASH_SALT (or the development salt): segments' e-mails and phones are hashed with it, as ingest does. */
  salt: string;
  sourceName: string;
  sourceVersion: string;
  loadedAt: number;
}

export interface KeyedRecord<T> {
  key: string;
  value: T;
}

/**
 * The part of a topic a full version replaces: every live key starting with keyPrefix that the
 * new version lacks becomes a tombstone. `id` names it in transactional ids and answers.
 */
export interface Scope {
  id: string;
  keyPrefix: string;
}

export interface DatasetDefinition<T = unknown> {
  name: DatasetName;
  /** The compacted topic of the dataset (plumbing's topic catalogue). */
  topic: TopicKey;
  formats: readonly Format[];
  fields: FieldSet;
  /** Segments: the delivery needs a partner. */
  needsPartner: boolean;
  /** What the scope of a version is, for the README and usage text. */
  scopeDescription: string;
  /** How many leading parts of a key (split at |) name its scope: tenant 1, tenant|partner 2, country 1. */
  scopeKeyParts: number;
  /** The records of the version in file order, or undefined when errors were found. */
  parse(rows: InputRow[], context: DeliveryContext, errors: ErrorList): { records: KeyedRecord<T>[]; scope: Scope } | undefined;
}

export type Delivery<T = unknown> =
  | { ok: true; version: string; scope: Scope; records: KeyedRecord<T>[] }
  | { ok: false; errors: RowError[]; errorCount: number };

/** The dataset version: the first 12 hex digits of the SHA-256 of the delivered bytes. */
export const versionOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 12);

/**
 * Parses and checks a whole delivery. Nothing is half-accepted: any error makes the delivery
 * refused, with every error found (up to MAX_REPORTED_ERRORS). A wrong call (unknown format,
 * missing partner) throws LoaderUsageError: that is not the file's fault.
 */
export function parseDelivery<T>(
  definition: DatasetDefinition<T>,
  bytes: Buffer,
  format: Format,
  context: Omit<DeliveryContext, 'sourceVersion'>,
): Delivery<T> {
  if (!definition.formats.includes(format)) throw new LoaderUsageError(`${definition.name} is read from ${definition.formats.join(' or ')}, not ${format}`);
  if (!SLUG.test(context.tenant)) throw new LoaderUsageError(`tenant "${context.tenant}" must be lower-case letters, digits, _ and -`);
  if (definition.needsPartner) {
    if (!context.partner) throw new LoaderUsageError(`${definition.name} needs the partner the delivery speaks for`);
    if (!SLUG.test(context.partner)) throw new LoaderUsageError(`partner "${context.partner}" must be lower-case letters, digits, _ and -`);
  }
  const errors = new ErrorList();
  const sourceVersion = versionOf(bytes);
  const text = decodeText(bytes, errors);
  const rows = text === undefined ? [] : readRows(text, format, definition.fields, errors);
  // Rows that could be read are checked even when others could not: one run names every problem.
  const parsed = rows.length > 0 ? definition.parse(rows, { ...context, sourceVersion }, errors) : undefined;
  if (!errors.empty || !parsed) return { ok: false, errors: errors.items, errorCount: Math.max(errors.count, 1) };
  return { ok: true, version: sourceVersion, scope: parsed.scope, records: parsed.records };
}

/** The scope a live key belongs to (its id as in transactional ids and answers: parts joined by '.'). */
export function scopeOfKey(definition: DatasetDefinition, key: string): Scope {
  const parts = key.split('|').slice(0, definition.scopeKeyParts);
  return { id: parts.join('.'), keyPrefix: `${parts.join('|')}|` };
}

/** Records one error per repeated key, naming the line that had it first. */
export class KeyTracker {
  private readonly lines = new Map<string, number>();

  /** True the first time; false (after recording an error) when the key was seen before. */
  claim(key: string, line: number, onRepeat: (firstLine: number) => void): boolean {
    const first = this.lines.get(key);
    if (first !== undefined) {
      onRepeat(first);
      return false;
    }
    this.lines.set(key, line);
    return true;
  }
}
