/**
 * Versioned, idempotent ClickHouse migrations. A migration is a file `NNNN_name.sql` holding one
 * or more statements, each ending with `;` at the end of a line. Statements run in the target
 * database and must themselves be idempotent (IF NOT EXISTS ...), because a crash between two
 * statements re-runs the whole migration. An applied migration is never edited: its checksum is
 * recorded and a changed file stops the runner.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CdpError } from './errors';
import { createClickHouse, type ClickHouse, type ClickHouseOptions } from './clickhouse';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

export class MigrationError extends CdpError {
  constructor(message: string, cause?: unknown) {
    super('ERR_MIGRATION', message, cause === undefined ? {} : { cause });
  }
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Splits on `;` at the end of a line; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const text = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return text
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parseMigration(fileName: string, sql: string): Migration {
  const match = FILE.exec(fileName);
  if (!match) throw new MigrationError(`migration file name ${fileName} must look like 0001_create_events.sql`);
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new MigrationError(`migration ${fileName} holds no statement`);
  return {
    version: Number(match[1]),
    name: match[2]!,
    statements,
    checksum: createHash('sha256').update(statements.join(';\n')).digest('hex').slice(0, 16),
  };
}

export function loadMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseMigration(f, readFileSync(join(dir, f), 'utf8')));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migrations in ${dir} must be numbered 0001, 0002, ... without gaps; found ${String(m.version).padStart(4, '0')} at position ${i + 1}`);
  });
  return migrations;
}

export interface MigrationResult {
  database: string;
  applied: string[];
  alreadyApplied: number;
}

/**
 * Creates the database if needed and applies the pending migrations in order. Running it again,
 * or from several instances at once, applies nothing twice (statements are idempotent and the
 * ledger is a ReplacingMergeTree keyed by version).
 */
export async function migrate(connection: ClickHouseOptions & { database: string }, migrations: Migration[]): Promise<MigrationResult> {
  const admin = createClickHouse({ ...connection, database: 'default' });
  let db: ClickHouse | undefined;
  try {
    await admin.command('CREATE DATABASE IF NOT EXISTS {db:Identifier}', { db: connection.database });
    db = createClickHouse(connection);
    await db.command(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
       ) ENGINE = ReplacingMergeTree ORDER BY version`,
    );
    const done = await db.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    );
    const byVersion = new Map(done.map((d) => [Number(d.version), d]));
    const applied: string[] = [];
    for (const m of migrations) {
      const label = `${String(m.version).padStart(4, '0')}_${m.name}`;
      const previous = byVersion.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${label} changed after it was applied to ${connection.database} (checksum ${previous.checksum} -> ${m.checksum}); add a new migration instead of editing it`,
          );
        }
        continue;
      }
      for (const [i, statement] of m.statements.entries()) {
        try {
          await db.command(statement);
        } catch (error) {
          throw new MigrationError(`migration ${label}, statement ${i + 1}: ${(error as Error).message}`, error);
        }
      }
      await db.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }]);
      applied.push(label);
    }
    return { database: connection.database, applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await admin.close();
    await db?.close();
  }
}
