import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrationError, loadMigrations, parseMigration, splitStatements } from './migrations';

describe('migrations', () => {
  it('splits statements at a semicolon ending a line and drops comment lines', () => {
    const sql = "-- first\nCREATE TABLE a (s String DEFAULT ';') ENGINE = Memory;\n\nCREATE VIEW v AS SELECT 1;  \n";
    expect(splitStatements(sql)).toEqual(["CREATE TABLE a (s String DEFAULT ';') ENGINE = Memory", 'CREATE VIEW v AS SELECT 1']);
  });

  it('reads version and name from the file name and refuses other names', () => {
    const m = parseMigration('0003_add_sessions.sql', 'SELECT 1;');
    expect(m).toMatchObject({ version: 3, name: 'add_sessions', statements: ['SELECT 1'] });
    expect(() => parseMigration('3_add.sql', 'SELECT 1;')).toThrow(MigrationError);
    expect(() => parseMigration('0001_empty.sql', '-- nothing\n')).toThrow(/holds no statement/);
  });

  it('changes the checksum when a statement changes', () => {
    expect(parseMigration('0001_a.sql', 'SELECT 1;').checksum).not.toBe(parseMigration('0001_a.sql', 'SELECT 2;').checksum);
  });

  it('refuses a gap in the numbering', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0003_c.sql'), 'SELECT 3;');
    expect(() => loadMigrations(dir)).toThrow(/without gaps; found 0003 at position 2/);
  });
});
