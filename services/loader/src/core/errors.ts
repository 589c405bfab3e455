/**
 * Every way the loader refuses something, in one place. A delivery (file or upload) that is not
 * valid is refused whole: every problem found (up to MAX_REPORTED_ERRORS) is named by line, field
 * and reason, and nothing of it is published. Reasons never quote a partner's e-mail or phone.
 */
import { CdpError } from '@cdp/plumbing';

/** One problem of a delivery: the line in the file (1-based), the field or column, why. */
export interface RowError {
  line: number;
  field: string;
  reason: string;
}

/** More errors than this are counted but not listed: a wrong file has one cause, shown early. */
export const MAX_REPORTED_ERRORS = 100;

/** Collects errors up to the limit and counts them all. */
export class ErrorList {
  readonly items: RowError[] = [];
  count = 0;

  add(line: number, field: string, reason: string): void {
    this.count++;
    if (this.items.length < MAX_REPORTED_ERRORS) this.items.push({ line, field, reason });
  }

  get empty(): boolean {
    return this.count === 0;
  }
}

/** `file:line field: reason`, the way the command line prints one error. */
export const formatRowError = (file: string, e: RowError): string => `${file}:${e.line} ${e.field}: ${e.reason}`;

/** The delivery is invalid: refused whole, nothing published. */
export class DeliveryRefusedError extends CdpError {
  constructor(
    readonly dataset: string,
    readonly source: string,
    readonly errors: readonly RowError[],
    readonly errorCount: number,
  ) {
    const shown = errors.slice(0, 3).map((e) => formatRowError(source, e)).join('; ');
    super('ERR_LOADER_INVALID', `${source}: ${dataset} refused, nothing loaded: ${errorCount} error${errorCount === 1 ? '' : 's'} (${shown}${errorCount > 3 ? '; ...' : ''})`);
  }
}

/** A request the loader cannot serve as asked (unknown dataset, format it does not read, missing partner). */
export class LoaderUsageError extends CdpError {
  constructor(message: string) {
    super('ERR_LOADER_USAGE', message);
  }
}
