/**
 * Reading one row's fields with their checks: each getter returns the value or undefined, and an
 * invalid value records an error naming the row's line and the field (a path inside nested JSON:
 * `zones[1].zoneId`). A row with any error yields no record. Reasons say what is expected and
 * never quote the value.
 */
import type { ErrorList } from './errors';
import type { Format, InputRow } from './input';

const CONTROL = /[\u0000-\u001f\u007f]/;
const CSV_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export interface TextOptions {
  required?: boolean;
  /** Longest accepted text, in characters (default 500). */
  max?: number;
  pattern?: RegExp;
  /** Reason when the pattern does not match, e.g. 'must be 5 digits'. */
  expected?: string;
}

export interface NumberOptions {
  required?: boolean;
  min?: number;
  max?: number;
  integer?: boolean;
  /** Reason when out of range or not a number, e.g. 'must be a share between 0 and 1'. */
  expected?: string;
}

export class FieldReader {
  private failedHere = false;

  constructor(
    readonly values: Record<string, unknown>,
    readonly line: number,
    readonly format: Format,
    private readonly errors: ErrorList,
    private readonly path = '',
    private readonly parent?: FieldReader,
  ) {}

  static of(row: InputRow, errors: ErrorList): FieldReader {
    return new FieldReader(row.values, row.line, row.format, errors);
  }

  /** True once this row (or a nested part of it) had an error. */
  get failed(): boolean {
    return this.failedHere;
  }

  fieldName(field: string): string {
    return `${this.path}${field}`;
  }

  fail(field: string, reason: string): undefined {
    this.markFailed();
    this.errors.add(this.line, this.fieldName(field), reason);
    return undefined;
  }

  private markFailed(): void {
    this.failedHere = true;
    this.parent?.markFailed();
  }

  has(field: string): boolean {
    const v = this.values[field];
    return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
  }

  text(field: string, options: TextOptions = {}): string | undefined {
    const raw = this.values[field];
    if (raw === undefined || raw === null) return options.required ? this.fail(field, 'is required') : undefined;
    if (typeof raw !== 'string') return this.fail(field, 'must be a string');
    const value = raw.trim();
    if (value === '') return options.required ? this.fail(field, 'is empty') : undefined;
    if (CONTROL.test(value)) return this.fail(field, 'contains a control character (a line break or tab)');
    const max = options.max ?? 500;
    if (value.length > max) return this.fail(field, `is longer than ${max} characters`);
    if (options.pattern && !options.pattern.test(value)) return this.fail(field, options.expected ?? 'has an unexpected form');
    return value;
  }

  number(field: string, options: NumberOptions = {}): number | undefined {
    const raw = this.values[field];
    const expected = options.expected ?? describeRange(options);
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return options.required ? this.fail(field, 'is required') : undefined;
    let value: number;
    if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'string' && this.format === 'csv') {
      if (!CSV_NUMBER.test(raw.trim())) return this.fail(field, `${expected} (digits, with a decimal point if any)`);
      value = Number(raw.trim());
    } else return this.fail(field, 'must be a number');
    if (!Number.isFinite(value)) return this.fail(field, expected);
    if (options.integer && !Number.isInteger(value)) return this.fail(field, expected);
    if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) return this.fail(field, expected);
    return value;
  }

  /** A JSON array (absent: empty when not required). */
  array(field: string, { required = false } = {}): unknown[] | undefined {
    const raw = this.values[field];
    if (raw === undefined || raw === null) return required ? this.fail(field, 'is required') : [];
    if (!Array.isArray(raw)) return this.fail(field, 'must be an array');
    return raw;
  }

  /** A reader for a nested object (an array element), its errors named by path and counting for this row. */
  nested(path: string, value: unknown, known: readonly string[]): FieldReader | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, 'must be an object');
      return undefined;
    }
    const child = new FieldReader(value as Record<string, unknown>, this.line, this.format, this.errors, `${this.path}${path}.`, this);
    for (const k of Object.keys(value)) if (!known.includes(k)) child.fail(k, `is not a field here (fields: ${known.join(', ')})`);
    return child;
  }
}

function describeRange({ min, max, integer }: NumberOptions): string {
  const kind = integer ? 'a whole number' : 'a number';
  if (min !== undefined && max !== undefined) return `must be ${kind} from ${min} to ${max}`;
  if (min !== undefined) return `must be ${kind} of at least ${min}`;
  if (max !== undefined) return `must be ${kind} of at most ${max}`;
  return `must be ${kind}`;
}
