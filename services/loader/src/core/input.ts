/**
 * A delivery's bytes as rows with their line numbers: CSV (a header line, then one row per
 * record; `#` at the start of a line is a comment) or JSON (an array of objects, JSON Lines: one
 * object per line, or a single object). Each row remembers the line it starts on in the file, so
 * that every error names the line a person opening the file sees. Nothing here quotes a value
 * in an error: a partner's file holds e-mails and phones.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { ErrorList } from './errors';

export const FORMATS = ['csv', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface InputRow {
  /** Line of the file the row (CSV record, JSON item) starts on, 1-based. */
  line: number;
  /** Field or column name -> value; CSV values are strings, absent when the cell is empty. */
  values: Record<string, unknown>;
  format: Format;
}

export interface FieldSet {
  /** Every field the dataset knows; anything else is refused (a typo, or data that must not be here). */
  known: readonly string[];
  /** The CSV columns, when they differ from the JSON fields. */
  csvColumns?: readonly string[];
  /** Columns a CSV header must have. */
  required: readonly string[];
  /** Groups of columns of which a CSV header must have at least one (segments: email or phone). */
  oneOf?: readonly (readonly string[])[];
}

/** A delivery that is not UTF-8 is refused before anything else; a byte-order mark is dropped. */
export function decodeText(bytes: Buffer, errors: ErrorList): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const at = text.indexOf('\uFFFD');
    errors.add(lineAt(text, Math.max(0, at)), '(file)', 'is not UTF-8 text');
    return undefined;
  }
}

/** The line (1-based) of a character position in a text. */
export function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function readRows(text: string, format: Format, fields: FieldSet, errors: ErrorList): InputRow[] {
  const rows = format === 'csv' ? readCsv(text, fields, errors) : readJson(text, fields, errors);
  if (errors.empty && rows.length === 0) errors.add(1, '(file)', format === 'csv' ? 'has no rows: a header line and at least one row are expected' : 'has no items: an array of objects or one object per line is expected');
  return rows;
}

const CSV_REASONS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'has a quote inside an unquoted field or text after a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'opens a quote that is never closed',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'has text after a closing quote',
  CSV_INVALID_OPENING_QUOTE: 'has a quote inside an unquoted field',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'has a different number of fields than the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'has a different number of fields than the header',
  CSV_MAX_RECORD_SIZE: 'is too long',
};

function readCsv(text: string, fields: FieldSet, errors: ErrorList): InputRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { bom: true, trim: true, skip_empty_lines: true, comment: '#', comment_no_infix: true, relax_column_count: true, info: true, max_record_size: 1_000_000 }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    // csv-parse stops at the first syntax error; its own message may quote the file's text.
    const e = error as { code?: string; lines?: number };
    errors.add(typeof e.lines === 'number' && e.lines > 0 ? e.lines : 1, '(row)', CSV_REASONS[e.code ?? ''] ?? `is not valid CSV (${e.code ?? 'unreadable'})`);
    return [];
  }
  if (records.length === 0) return [];
  // A record ends on info.lines; quoted fields may hold line breaks, so it starts that many lines earlier.
  const startLine = (r: { record: string[]; info: { lines: number } }) => r.info.lines - r.record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
  const header = records[0]!;
  const headerLine = startLine(header);
  const columns = header.record.map((c) => c.trim());
  const known = fields.csvColumns ?? fields.known;
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') errors.add(headerLine, '(header)', 'has an empty column name');
    else if (!known.includes(c)) errors.add(headerLine, c, `is not a column of this dataset (columns: ${known.join(', ')})`);
    else if (seen.has(c)) errors.add(headerLine, c, 'appears twice in the header');
    seen.add(c);
  }
  for (const c of fields.required) if (!seen.has(c)) errors.add(headerLine, c, 'is a required column, missing from the header');
  for (const group of fields.oneOf ?? []) {
    if (!group.some((c) => seen.has(c))) errors.add(headerLine, group.join(' or '), 'is a required column, missing from the header');
  }
  if (!errors.empty) return [];
  const rows: InputRow[] = [];
  for (const r of records.slice(1)) {
    const line = startLine(r);
    if (r.record.length !== columns.length) {
      errors.add(line, '(row)', `has ${r.record.length} fields where the header has ${columns.length}`);
      continue;
    }
    const values: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      if (r.record[i] !== '') values[c] = r.record[i];
    });
    rows.push({ line, values, format: 'csv' });
  }
  return rows;
}

function readJson(text: string, fields: FieldSet, errors: ErrorList): InputRow[] {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.search(/\S/);
  if (first < 0) return [];
  const items: { line: number; value: unknown }[] = [];
  if (body[first] === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      errors.add(...jsonSyntaxError(body, error, 1));
      return [];
    }
    const lines = arrayItemLines(body, first);
    (parsed as unknown[]).forEach((value, i) => items.push({ line: lines[i] ?? 1, value }));
  } else if (body[first] === '{' && parsesWhole(body)) {
    // One object, pretty-printed over several lines: a delivery of one item.
    items.push({ line: lineAt(body, first), value: JSON.parse(body) });
  } else {
    // JSON Lines: one value per non-empty line.
    body.split('\n').forEach((raw, i) => {
      const lineText = raw.replace(/\r$/, '');
      if (lineText.trim() === '') return;
      try {
        items.push({ line: i + 1, value: JSON.parse(lineText) });
      } catch (error) {
        errors.add(...jsonSyntaxError(lineText, error, i + 1));
      }
    });
  }
  const rows: InputRow[] = [];
  for (const { line, value } of items) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.add(line, '(item)', 'must be a JSON object');
      continue;
    }
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!fields.known.includes(k)) errors.add(line, k, `is not a field of this dataset (fields: ${fields.known.join(', ')})`);
      else if (v !== null && v !== undefined) values[k] = v;
    }
    rows.push({ line, values, format: 'json' });
  }
  return rows;
}

/**
 * JSON.parse's message may quote the text around the error (a partner's e-mail): only its kind,
 * when it quotes nothing but punctuation, and its position are kept.
 */
function jsonSyntaxError(text: string, error: unknown, firstLine: number): [number, string, string] {
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message);
  const lineColumn = /\(line (\d+) column \d+\)/.exec(message);
  const line = lineColumn ? firstLine + Number(lineColumn[1]) - 1 : position ? firstLine + lineAt(text, Number(position[1])) - 1 : firstLine;
  const head = message.split(/ in JSON| at position|\(line/)[0]!.trim();
  const safe = /^(Expected|Unexpected end of JSON input|Bad control character|Unterminated string|Bad escaped character)/.test(head) && !/["']/.test(head.replace(/'[^'\w]'/g, ''));
  return [line, '(json)', `is not valid JSON${safe ? ` (${head})` : ''}`];
}

function parsesWhole(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The line each item of the top-level array starts on, found by scanning outside strings. */
export function arrayItemLines(text: string, open: number): number[] {
  const lines: number[] = [];
  let line = lineAt(text, open);
  let depth = 0;
  let inString = false;
  let expectItem = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectItem && !/\s/.test(ch) && ch !== ']') {
      lines.push(line);
      expectItem = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectItem = true;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) break;
    } else if (ch === ',' && depth === 1) expectItem = true;
  }
  return lines;
}
