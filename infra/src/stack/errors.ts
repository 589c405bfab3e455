import { existsSync, readFileSync } from 'node:fs';
import { CdpError } from '@cdp/plumbing';

/** A stack problem a newcomer can act on: what went wrong, and what to do about it. */
export class StackError extends CdpError {
  constructor(message: string, readonly hint?: string) {
    super('ERR_STACK', hint ? `${message}\n  -> ${hint}` : message);
  }
}

export function lastLines(file: string, count = 25): string {
  if (!existsSync(file)) return `(no log file at ${file})`;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return lines.slice(-count).map((l) => `    | ${l.slice(0, 300)}`).join('\n');
}
