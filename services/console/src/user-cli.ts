/**
 * `pnpm --filter @cdp/console user <name> <tenant>`: prints a users-file entry for a console user,
 * the password read from the terminal (or CONSOLE_PASSWORD), never from the command line.
 */
import { createInterface } from 'node:readline/promises';
import { SLUG } from '@cdp/plumbing';
import { hashPassword } from './core/users';

async function main(): Promise<void> {
  const [name, tenant] = process.argv.slice(2);
  if (!name || !tenant || !SLUG.test(name) || !SLUG.test(tenant)) {
    process.stderr.write('usage: pnpm --filter @cdp/console user <name> <tenant>   (lower-case letters, digits, _ and -)\n');
    process.exit(2);
  }
  let password = process.env.CONSOLE_PASSWORD;
  if (!password) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    password = await rl.question('password (at least 12 characters): ');
    rl.close();
  }
  if (password.length < 12) {
    process.stderr.write('the password must have at least 12 characters\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify({ name, password: hashPassword(password), tenant }, null, 2)}\n`);
}

void main();
