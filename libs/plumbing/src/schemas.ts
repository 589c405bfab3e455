import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import avro from 'avsc';
import { SchemaDefinitionError } from './errors';

/** The repository's schemas/ folder: the one source of the Avro contract. */
export const SCHEMAS_DIR = resolve(__dirname, '../../../schemas');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AvroSchema = Json;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

interface NamedDefinition {
  file: string;
  schema: { [key: string]: Json };
}

export interface SchemaCatalog {
  /** Full names of the top-level schemas of every .avsc file. */
  readonly topLevel: readonly string[];
  /** A self-contained schema (every referenced named type defined inline once) for registration. */
  resolve(fullName: string): AvroSchema;
  /** All top-level types as one union, each named type defined once: input for code generation. */
  resolveAll(): AvroSchema;
  /** The file a named type is defined in. */
  fileOf(fullName: string): string;
}

const fullNameOf = (name: string, namespace: string | undefined): string =>
  name.includes('.') || !namespace ? name : `${namespace}.${name}`;

function listAvsc(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return listAvsc(path);
      return entry.endsWith('.avsc') ? [path] : [];
    });
}

/** Indexes every named type of every file, including types nested inside records. */
function indexNamedTypes(schema: Json, namespace: string | undefined, file: string, into: Map<string, NamedDefinition>): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) indexNamedTypes(branch, namespace, file, into);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const type = schema.type;
  if (typeof type === 'string' && NAMED.has(type) && typeof schema.name === 'string') {
    const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
    const fullName = fullNameOf(schema.name, ns);
    const existing = into.get(fullName);
    if (existing) throw new SchemaDefinitionError(`Avro type ${fullName} is defined twice: in ${existing.file} and ${file}`);
    into.set(fullName, { file, schema });
    const innerNs = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined;
    if (Array.isArray(schema.fields)) {
      for (const field of schema.fields) {
        if (field && typeof field === 'object' && !Array.isArray(field)) indexNamedTypes(field.type ?? null, innerNs, file, into);
      }
    }
    return;
  }
  if (type === 'array') indexNamedTypes(schema.items ?? null, namespace, file, into);
  else if (type === 'map') indexNamedTypes(schema.values ?? null, namespace, file, into);
  else if (type !== undefined && typeof type !== 'string') indexNamedTypes(type, namespace, file, into);
}

export function loadSchemaCatalog(dir: string = SCHEMAS_DIR): SchemaCatalog {
  const named = new Map<string, NamedDefinition>();
  const topLevel: string[] = [];
  for (const file of listAvsc(dir)) {
    let schema: Json;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as Json;
    } catch (error) {
      throw new SchemaDefinitionError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema) || typeof schema.name !== 'string') {
      throw new SchemaDefinitionError(`${file} must hold one named Avro type (record, enum or fixed)`);
    }
    topLevel.push(fullNameOf(schema.name, typeof schema.namespace === 'string' ? schema.namespace : undefined));
    indexNamedTypes(schema, undefined, file, named);
  }

  const resolveSchema = (fullName: string, defined = new Set<string>()): AvroSchema => {
    const root = named.get(fullName);
    if (!root) throw new SchemaDefinitionError(`No Avro type named ${fullName} in ${dir}`);

    // Depth-first, in field order: the first place a type is used gets its definition, later
    // places refer to it by full name, as Avro requires.
    const walk = (schema: Json, namespace: string | undefined): Json => {
      if (typeof schema === 'string') {
        if (PRIMITIVES.has(schema)) return schema;
        const ref = named.has(schema) ? schema : fullNameOf(schema, namespace);
        if (defined.has(ref)) return ref;
        const def = named.get(ref);
        if (!def) throw new SchemaDefinitionError(`${fullName}: unknown Avro type "${schema}" (referenced from ${root.file})`);
        const refNs = ref.includes('.') ? ref.slice(0, ref.lastIndexOf('.')) : undefined;
        return walk({ ...def.schema, name: ref.slice(ref.lastIndexOf('.') + 1), namespace: refNs ?? null }, refNs);
      }
      if (Array.isArray(schema)) return schema.map((branch) => walk(branch, namespace));
      if (schema === null || typeof schema !== 'object') return schema;
      const type = schema.type;
      if (typeof type === 'string' && NAMED.has(type) && typeof schema.name === 'string') {
        const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
        const own = fullNameOf(schema.name, ns);
        if (defined.has(own)) return own;
        defined.add(own);
        const innerNs = own.includes('.') ? own.slice(0, own.lastIndexOf('.')) : undefined;
        const out: { [key: string]: Json } = { ...schema };
        if (out.namespace === null) delete out.namespace;
        if (Array.isArray(schema.fields)) {
          out.fields = schema.fields.map((field) =>
            field && typeof field === 'object' && !Array.isArray(field) ? { ...field, type: walk(field.type ?? null, innerNs) } : field,
          );
        }
        return out;
      }
      if (type === 'array') return { ...schema, items: walk(schema.items ?? null, namespace) };
      if (type === 'map') return { ...schema, values: walk(schema.values ?? null, namespace) };
      if (type !== undefined && typeof type !== 'string') return { ...schema, type: walk(type, namespace) };
      return schema;
    };

    return walk(root.schema, undefined);
  };

  const validated = (schema: AvroSchema, where: string): AvroSchema => {
    try {
      avro.Type.forSchema(schema as avro.Schema);
    } catch (error) {
      throw new SchemaDefinitionError(`${where}: not a valid Avro schema: ${(error as Error).message}`);
    }
    return schema;
  };

  return {
    topLevel,
    resolve: (fullName) => validated(resolveSchema(fullName), named.get(fullName)?.file ?? fullName),
    resolveAll: () => {
      const defined = new Set<string>();
      const union = topLevel.filter((name) => !defined.has(name)).map((name) => resolveSchema(name, defined));
      return validated(union, dir);
    },
    fileOf: (fullName) => {
      const def = named.get(fullName);
      if (!def) throw new SchemaDefinitionError(`No Avro type named ${fullName} in ${dir}`);
      return def.file;
    },
  };
}

/** Which fields a projection keeps: `true` keeps the whole value; an object names the fields to keep. */
export type AvroProjection = true | { readonly [field: string]: AvroProjection };

/**
 * A reader schema with only the fields `keep` names. Records keep their names, so data written
 * with the full schema resolves against it, and avsc skips the fields left out instead of
 * decoding them: a reader that needs a few fields of a large record saves the strings and
 * objects of the rest. In a union of records, `keep` names the branches (by short or full name;
 * a branch not named is kept whole); a union of null and one type takes `keep` for that type. A
 * named type referenced again by name is projected where it is defined. A field `keep` names
 * that the record does not have is an error, so a typo cannot silently drop data.
 */
export function projectSchema(schema: AvroSchema, keep: AvroProjection, where = 'schema'): AvroSchema {
  if (keep === true || typeof schema === 'string' || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) {
    const nonNull = schema.filter((b) => b !== 'null');
    if (nonNull.length === 1) return schema.map((b) => (b === 'null' ? b : projectSchema(b, keep, where)));
    return schema.map((branch) => {
      const name = typeof branch === 'object' && branch !== null && !Array.isArray(branch) && typeof branch.name === 'string' ? branch.name : undefined;
      const short = name?.split('.').pop();
      const fullName = name && typeof (branch as { namespace?: Json }).namespace === 'string' ? `${(branch as { namespace: string }).namespace}.${name}` : name;
      const k = (fullName && keep[fullName]) ?? (name && keep[name]) ?? (short && keep[short]);
      return k ? projectSchema(branch, k, `${where}|${short}`) : branch;
    });
  }
  if (schema.type === 'record' || schema.type === 'error') {
    const fields = schema.fields as { [key: string]: Json }[];
    const names = new Set(fields.map((f) => f.name as string));
    for (const field of Object.keys(keep)) {
      if (!names.has(field)) throw new SchemaDefinitionError(`projection of ${where}: record ${String(schema.name)} has no field "${field}"`);
    }
    return { ...schema, fields: fields.filter((f) => Object.hasOwn(keep, f.name as string)).map((f) => ({ ...f, type: projectSchema(f.type as Json, keep[f.name as string]!, `${where}.${String(f.name)}`) })) };
  }
  if (schema.type === 'array') return { ...schema, items: projectSchema(schema.items as Json, keep, `${where}[]`) };
  if (schema.type === 'map') return { ...schema, values: projectSchema(schema.values as Json, keep, `${where}{}`) };
  return schema;
}
