/**
 * Generates libs/plumbing/src/generated/avro-types.ts from schemas/*.avsc with @ovotech/avro-ts,
 * so TypeScript types never drift from the Avro contract. `--check` fails (exit 1) when the
 * committed file differs from what the schemas produce; CI runs it through the unit tests.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toTypeScript } from '@ovotech/avro-ts';
import { loadSchemaCatalog } from '@cdp/plumbing';
import { REPO_ROOT } from '../paths';

export const GENERATED_FILE = join(REPO_ROOT, 'libs', 'plumbing', 'src', 'generated', 'avro-types.ts');

export function generateAvroTypes(): string {
  const catalog = loadSchemaCatalog();
  // Without logical-type mappings avro-ts keeps the underlying type: timestamp-millis stays a
  // number of epoch milliseconds, which is what our codec reads and writes.
  // avro-ts calls TypeScript factory functions that print deprecation notices; they say
  // nothing about our schemas, so they are kept out of the output.
  const warn = console.warn;
  const log = console.log;
  console.warn = console.log = () => undefined;
  let body: string;
  try {
    body = toTypeScript(catalog.resolveAll() as Parameters<typeof toTypeScript>[0]);
  } finally {
    console.warn = warn;
    console.log = log;
  }
  // The generated wrapper union of every top-level type is of no use to us; the namespaces are.
  body = body.replace(/^export type AvroType = [\s\S]*?\n};\n/m, '');
  return `/* eslint-disable */\n// Generated from schemas/*.avsc by \`pnpm codegen\`. Do not edit: change the .avsc file and regenerate.\n\n${body}`;
}

if (require.main === module) {
  const generated = generateAvroTypes();
  const current = existsSync(GENERATED_FILE) ? readFileSync(GENERATED_FILE, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== generated) {
      console.error(`${GENERATED_FILE} is out of date with schemas/: run \`pnpm codegen\` and commit the result`);
      process.exit(1);
    }
    console.log('generated Avro types are up to date');
  } else {
    mkdirSync(dirname(GENERATED_FILE), { recursive: true });
    writeFileSync(GENERATED_FILE, generated);
    console.log(`wrote ${GENERATED_FILE}`);
  }
}
