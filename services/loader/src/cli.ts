/**
 * `pnpm load <catalogue|stores|segments|demographics> FILE [--tenant demo] [--partner NAME] [--format csv|json]`
 *
 * Loads a whole version of a dataset from a file. Exit 0: published, or unchanged (this version is
 * live already); 1: refused (every error on stderr as FILE:LINE field: reason, nothing published)
 * or failed; 2: wrong usage; 78: bad configuration.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@cdp/plumbing';
import { DATASET_NAMES, isDatasetName } from './core/dataset';
import { DATASETS } from './core/datasets';
import { DeliveryRefusedError, formatRowError, LoaderUsageError } from './core/errors';
import { FORMATS, type Format } from './core/input';
import { DEFAULT_TENANT, loadDatasetFile } from './load-file';

const USAGE = `usage: pnpm load <${DATASET_NAMES.join('|')}> FILE [--tenant ${DEFAULT_TENANT}] [--partner NAME] [--format csv|json]

  catalogue     CSV (sku,name,category,brand,price,currency,margin) or JSON   scope: the tenant
  stores        JSON (stores with zones, beacons, accessPoints, sensors)      scope: the tenant
  segments      CSV (email and/or phone, segment) or JSON; needs --partner    scope: the tenant and partner
  demographics  CSV or JSON (country_code, postal_code, area_name, ...)        scope: the country

A file is one whole version: rows missing from it are deleted. See services/loader/README.md.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { tenant: { type: 'string' }, partner: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [dataset, file, ...rest] = positionals;
  if (!dataset || !file) throw new UsageError('a dataset and a file are required');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (!isDatasetName(dataset)) throw new UsageError(`${dataset} is not a dataset (datasets: ${DATASET_NAMES.join(', ')})`);
  const definition = DATASETS[dataset];
  if (definition.needsPartner && !values.partner) throw new UsageError(`${dataset} needs --partner NAME: the partner the file comes from`);
  if (!definition.needsPartner && values.partner) throw new UsageError(`--partner is only for segments`);
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format must be ${FORMATS.join(' or ')}`);
  return { dataset, file, tenant: values.tenant, partner: values.partner, format: values.format as Format | undefined };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { dataset, file } = args;
  const showProgress = process.stderr.isTTY === true;
  try {
    const result = await loadDatasetFile(dataset, file, {
      ...(args.tenant ? { tenant: args.tenant } : {}),
      ...(args.partner ? { partner: args.partner } : {}),
      ...(args.format ? { format: args.format } : {}),
      ...(showProgress ? { onProgress: (sent: number, total: number) => void process.stderr.write(`\r  sending ${sent} / ${total} records`) } : {}),
    });
    if (showProgress && result.status === 'published') process.stderr.write('\n');
    if (result.status === 'unchanged') {
      process.stdout.write(`${dataset}: unchanged: version ${result.version} of ${result.sourceName} is live already in ${result.topic} (scope ${result.scope}, ${result.records} records); nothing published\n`);
    } else {
      process.stdout.write(`${dataset}: published version ${result.version} of ${result.sourceName} to ${result.topic} (scope ${result.scope}): ${result.upserts} upserts, ${result.tombstones} tombstones\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DeliveryRefusedError) {
      process.stderr.write(`${file}: refused, nothing was loaded: ${error.errorCount} error${error.errorCount === 1 ? '' : 's'}\n`);
      for (const e of error.errors) process.stderr.write(`${formatRowError(file, e)}\n`);
      if (error.errorCount > error.errors.length) process.stderr.write(`... and ${error.errorCount - error.errors.length} more\n`);
      return 1;
    }
    if (error instanceof LoaderUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') {
      process.stderr.write(`${file}: cannot be read (${e.code})\n`);
      return 1;
    }
    process.stderr.write(`load failed: ${e.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`load failed: ${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
