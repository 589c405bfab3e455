/**
 * Jest global setup of the integration project: the real stack must be up. `pnpm test` starts
 * it once for the whole run; running jest by hand needs `pnpm stack:up` first. A missing stack
 * fails the run: integration tests never skip.
 */
import { states } from '../stack/stack';

export default async function requireStack(): Promise<void> {
  const down = (await states()).filter((s) => s.health !== 'healthy');
  if (down.length > 0) {
    throw new Error(
      `The integration tests need the local stack, but ${down.map((s) => `${s.name} is ${s.health}`).join(', ')}. Run \`pnpm stack:up\` (\`pnpm test\` does it for you).`,
    );
  }
}
