/**
 * Avro values in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), with
 * schemas held in the registry. The registry's HTTP API is used through
 * @kafkajs/confluent-schema-registry; encoding and decoding run on avsc with every schema id's
 * type and resolver cached, which decodes about twice as fast as the library's own path (STACK.md).
 */
import { Agent } from 'node:http';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { CdpError, SchemaIncompatibleError, TransientError } from './errors';
import type { AvroSchema } from './schemas';

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export class WireFormatError extends CdpError {
  constructor(message: string) {
    super('ERR_AVRO_WIRE_FORMAT', message);
  }
}

export interface AvroCodec {
  /** Sets the subject's compatibility explicitly, then registers; refuses incompatible changes. */
  register(subject: string, schema: AvroSchema, compatibility?: Compatibility): Promise<number>;
  /** The id the registry gave this exact schema under subject (cached); it must be registered already. */
  idOf(subject: string, schema: AvroSchema): Promise<number>;
  /** Encodes with a schema id from idOf or register. Throws naming the field when the value does not fit. */
  encode(schemaId: number, value: unknown): Buffer;
  /**
   * Decodes a wire-format buffer. With a reader schema the writer's record is resolved into it
   * (added fields get defaults), so consumers keep working while producers evolve.
   */
  decode<T = unknown>(buffer: Buffer, reader?: AvroSchema): Promise<T>;
  /** Synchronous decode for buffers whose schema id was seen before; undefined when not cached. */
  decodeCached<T = unknown>(buffer: Buffer, reader?: AvroSchema): T | undefined;
}

const MAGIC = 0;

/**
 * Apicurio names the offending place as a JSON path (`/fields/1/type`); the field names the
 * author wrote are easier to act on, so they are added: `/fields/1/type (field total)`.
 */
export function explainIncompatibility(message: string, schema: AvroSchema): string {
  const text = message.replace(/^Confluent_Schema_Registry - /, '').replace(/^[\w.]+RuleViolationException: /, '');
  return text.replace(/ at ((?:\/[\w-]+)+)/g, (match, path: string) => {
    const names: string[] = [];
    let node: unknown = schema;
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const part = parts[i]!;
      node = Array.isArray(node) ? node[Number(part)] : (node as Record<string, unknown>)[part];
      if (parts[i - 1] === 'fields' && node && typeof node === 'object' && 'name' in node) names.push(String((node as { name: unknown }).name));
    }
    return names.length ? `${match} (field ${names.join('.')})` : match;
  });
}

/** Reads the schema id of a wire-format buffer, or throws saying what is wrong with it. */
export function schemaIdOf(buffer: Buffer | null): number {
  if (!buffer || buffer.length < 5) throw new WireFormatError(`value has ${buffer?.length ?? 0} bytes; Confluent wire format needs at least 5`);
  if (buffer[0] !== MAGIC) throw new WireFormatError(`value starts with byte ${buffer[0]}, not the wire-format magic byte 0`);
  return buffer.readInt32BE(1);
}

/**
 * A registry call that failed in a way a retry can fix (a connection reset, the registry
 * restarting) is tried again a few times with growing pauses; other failures pass at once.
 */
export async function withRegistryRetry<T>(call: () => Promise<T>, attempts = 5, firstPauseMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, firstPauseMs * 2 ** (attempt - 1)));
    }
  }
}

export function createAvroCodec({ url }: { url: string }): AvroCodec {
  // No keep-alive: registry calls are rare (start, a new schema id), and a pooled connection the
  // registry has already closed fails as "socket hang up".
  const registry = new SchemaRegistry({ host: url, retry: { retries: 3 }, agent: new Agent({ keepAlive: false }) });
  const writerTypes = new Map<number, avro.Type>();
  /** Encoding scratch space (see encode); one per codec, and encode is synchronous. */
  let scratch = Buffer.allocUnsafe(64 * 1024);
  const pendingWriters = new Map<number, Promise<avro.Type>>();
  // Schemas are cached by object identity on the hot path (one lookup per record), and by their
  // JSON text only when an object is seen for the first time.
  const typesByText = new Map<string, avro.Type>();
  const typesByObject = new WeakMap<object, avro.Type>();
  const resolvers = new WeakMap<avro.Type, Map<number, avro.Resolver>>();
  const ids = new Map<string, Promise<number>>();

  const typeOf = (schema: AvroSchema): avro.Type => {
    const cached = schema !== null && typeof schema === 'object' ? typesByObject.get(schema) : undefined;
    if (cached) return cached;
    const key = JSON.stringify(schema);
    let type = typesByText.get(key);
    if (!type) {
      type = avro.Type.forSchema(schema as avro.Schema);
      typesByText.set(key, type);
    }
    if (schema !== null && typeof schema === 'object') typesByObject.set(schema, type);
    return type;
  };

  const fetchWriter = (id: number): Promise<avro.Type> => {
    let pending = pendingWriters.get(id);
    if (!pending) {
      pending = withRegistryRetry(() => fetch(`${url.replace(/\/$/, '')}/schemas/ids/${id}`, { signal: AbortSignal.timeout(15_000) }).catch((error: unknown) => {
        throw new TransientError(`schema registry at ${url} unreachable: ${(error as Error).message}`, error);
      }))
        .then(async (res) => {
          if (res.status === 404) throw new WireFormatError(`schema id ${id} is not in the registry at ${url}`);
          if (!res.ok) throw new TransientError(`registry answered ${res.status} for schema id ${id}: ${await res.text()}`);
          const body = (await res.json()) as { schema: string; schemaType?: string };
          if (body.schemaType && body.schemaType !== 'AVRO') throw new WireFormatError(`schema id ${id} is ${body.schemaType}, not Avro`);
          const type = avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema);
          writerTypes.set(id, type);
          return type;
        })
        .catch((error: unknown) => {
          pendingWriters.delete(id);
          if (error instanceof CdpError) throw error;
          throw new TransientError(`schema registry at ${url} unreachable: ${(error as Error).message}`, error);
        });
      pendingWriters.set(id, pending);
    }
    return pending;
  };

  const readWith = <T>(buffer: Buffer, id: number, writer: avro.Type, reader?: AvroSchema): T => {
    const body = buffer.subarray(5);
    if (!reader) return writer.fromBuffer(body) as T;
    const readerType = typeOf(reader);
    let byWriter = resolvers.get(readerType);
    if (!byWriter) {
      byWriter = new Map();
      resolvers.set(readerType, byWriter);
    }
    let resolver = byWriter.get(id);
    if (!resolver) {
      resolver = readerType.createResolver(writer);
      byWriter.set(id, resolver);
    }
    return readerType.fromBuffer(body, resolver, true) as T;
  };

  const registerOnce = async (subject: string, schema: AvroSchema, compatibility: string): Promise<number> => {
    const base = url.replace(/\/$/, '');
    const config = await fetch(`${base}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility }),
      signal: AbortSignal.timeout(15_000),
    }).catch((error: unknown) => {
      throw new TransientError(`schema registry at ${url} unreachable: ${(error as Error).message}`, error);
    });
    if (!config.ok) throw new TransientError(`registry refused compatibility ${compatibility} for ${subject}: ${config.status} ${await config.text()}`);
    try {
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject, compatibility: compatibility as never });
      ids.set(`${subject}\u0000${JSON.stringify(schema)}`, Promise.resolve(id));
      writerTypes.set(id, typeOf(schema));
      return id;
    } catch (error) {
      const e = error as { status?: number; message?: string };
      if (e.status === 409) throw new SchemaIncompatibleError(subject, compatibility, explainIncompatibility(e.message ?? '', schema));
      if (e.status === 422) throw new CdpError('ERR_SCHEMA_INVALID', `registry refused the schema for ${subject}: ${e.message}`);
      throw new TransientError(`registering ${subject} failed: ${e.message}`, error);
    }
  };

  const lookupOnce = (subject: string, schema: AvroSchema): Promise<number> =>
    registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: JSON.stringify(schema) }).then(
      (found) => {
        // The registry matched this exact schema, so it is the writer type of that id.
        writerTypes.set(found, typeOf(schema));
        return found;
      },
      (error: unknown) => {
        const e = error as { status?: number; message?: string };
        if (e.status === 404) {
          throw new CdpError('ERR_SCHEMA_NOT_REGISTERED', `this schema is not registered under ${subject}; run \`pnpm schemas:register\` (${e.message})`);
        }
        throw new TransientError(`schema registry at ${url}: ${e.message}`, error);
      },
    );

  return {
    register(subject, schema, compatibility = 'BACKWARD') {
      return withRegistryRetry(() => registerOnce(subject, schema, compatibility));
    },

    idOf(subject, schema) {
      const key = `${subject}\u0000${JSON.stringify(schema)}`;
      let id = ids.get(key);
      if (!id) {
        id = withRegistryRetry(() => lookupOnce(subject, schema)).catch((error: unknown) => {
          ids.delete(key);
          throw error;
        });
        ids.set(key, id);
      }
      return id;
    },
    encode(schemaId, value) {
      const writer = writerTypes.get(schemaId);
      if (!writer) throw new CdpError('ERR_AVRO_UNKNOWN_ID', `schema id ${schemaId} was not loaded; get it from idOf() or register() first`);
      // avsc's writers refuse values of the wrong type as they go; only when one does is the
      // slower check run that names every offending field.
      // Written straight after the 5-byte header into a scratch buffer that grows to the largest
      // record seen, then copied out once. avsc's toBuffer writes into 1 KiB and writes the whole
      // record again when it is longer (a quarter of enriched events are), then we copied again.
      let end: number;
      try {
        end = writer.encode(value, scratch, 5);
        if (end < 0) {
          // avsc returns minus the bytes that did not fit.
          scratch = Buffer.allocUnsafe(Math.max(scratch.length - end, scratch.length * 2));
          end = writer.encode(value, scratch, 5);
        }
      } catch {
        const paths: string[] = [];
        writer.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
        throw new CdpError('ERR_AVRO_INVALID_VALUE', `value does not match schema ${schemaId} (${writer.name ?? 'anonymous'}): bad field(s) ${paths.join(', ') || '(unknown)'}`);
      }
      scratch[0] = MAGIC;
      scratch.writeInt32BE(schemaId, 1);
      return Buffer.from(scratch.subarray(0, end));
    },

    async decode<T>(buffer: Buffer, reader?: AvroSchema) {
      const id = schemaIdOf(buffer);
      const writer = writerTypes.get(id) ?? (await fetchWriter(id));
      return readWith<T>(buffer, id, writer, reader);
    },

    decodeCached<T>(buffer: Buffer, reader?: AvroSchema) {
      const id = schemaIdOf(buffer);
      const writer = writerTypes.get(id);
      return writer ? readWith<T>(buffer, id, writer, reader) : undefined;
    },
  };
}

/** True when the registry answers its compatibility-config endpoint within timeoutMs: a readiness probe. */
export async function probeRegistry(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/config`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}
