import { DEVELOPMENT_SALT, hashEmail } from '@cdp/plumbing';
import { parseBlockArgs } from './block-args';
import { DEFAULT_WAIT_SECONDS } from './cli-args';
import { usageErrorOf } from '../test-support';

// Split on spaces, with ~ for a space inside one argument.
const parse = (line: string) => parseBlockArgs(line.split(' ').filter(Boolean).map((a) => a.replaceAll('~', ' ')), DEVELOPMENT_SALT);
const FAMILY = { type: 'email_hash', value: hashEmail(DEVELOPMENT_SALT, 'family@example.com') };

describe('pnpm identity-block arguments', () => {
  it('a block: the value as ingest stores it and the reason, waiting only when asked', () => {
    expect(parse('--tenant demo --type email --value Family@Example.com --reason family~e-mail')).toEqual({ kind: 'block', tenant: 'demo', type: 'email', identifier: FAMILY, reason: 'family e-mail', wait: false, timeoutSeconds: DEFAULT_WAIT_SECONDS });
    expect(parse('--tenant demo --type device_id --value kiosk-7 --reason store~kiosk --wait --timeout 30')).toEqual({ kind: 'block', tenant: 'demo', type: 'device_id', identifier: { type: 'device_id', value: 'kiosk-7' }, reason: 'store kiosk', wait: true, timeoutSeconds: 30 });
  });

  it('an undo, with or without its own reason; list and help', () => {
    expect(parse('--tenant demo --unblock --type email --value family@example.com --wait')).toEqual({ kind: 'unblock', tenant: 'demo', type: 'email', identifier: FAMILY, reason: undefined, wait: true, timeoutSeconds: DEFAULT_WAIT_SECONDS });
    expect(parse('--tenant demo --unblock --type email_hash --value ' + FAMILY.value + ' --reason one~person~after~all')).toMatchObject({ kind: 'unblock', identifier: FAMILY, reason: 'one person after all', wait: false });
    expect(parse('--tenant demo --list')).toEqual({ kind: 'list', tenant: 'demo' });
    expect(parse('-h')).toEqual({ kind: 'help' });
  });

  it('names the flag that is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /--tenant is required/],
      ['--tenant Demo! --list', /--tenant must be lower-case/],
      ['--tenant demo', /say what to do/],
      ['--tenant demo --wait', /say what to do/],
      ['--tenant demo --list --type email --value a@b.c', /--list cannot be used with/],
      ['--tenant demo --list --unblock', /--list cannot be used with/],
      ['--tenant demo --list --wait', /--wait and --timeout are only for a block/],
      ['--tenant demo --type email --reason x', /--value is required/],
      ['--tenant demo --value a@b.c --reason x', /--type is required: one of user_id/],
      ['--tenant demo --unblock', /--type is required/],
      ['--tenant demo --type email --value a@b.c', /--reason is required to block/],
      ['--tenant demo --type shoe_size --value 42 --reason x', /--type must be one of/],
      ['--tenant demo --type person_id --value p_1 --reason x', /--type .*person_id is not one/],
      ['--tenant demo --type email --value nobody --reason x', /--value must be an e-mail address/],
      ['--tenant demo --type email --value a@b.c --reason ~', /--reason must not be empty/],
      ['--tenant demo --type email --value a@b.c --reason ' + 'x'.repeat(501), /--reason must be at most 500 characters/],
      ['--tenant demo --type loyalty_card --value LC-1234 --reason shared~LC-1234', /--reason must not hold personal data: it holds the blocked value/],
      ['--tenant demo --unblock --type email --value a@b.c --reason ask~a@b.c', /--reason must not hold personal data/],
      ['--tenant demo --type email --value a@b.c --reason x --timeout 5', /--timeout is only for --wait/],
      ['--tenant demo --type email --value a@b.c --reason x --wait --timeout soon', /--timeout must be a whole number/],
      ['--tenant demo --list --colour red', /Unknown option '--colour'/],
      ['--tenant demo --list extra', /Unexpected argument 'extra'|positional/i],
      ['--tenant demo --list --reason', /argument missing|requires|--reason/],
    ];
    for (const [line, message] of cases) expect({ line, message: usageErrorOf(() => parse(line)) }).toEqual({ line, message: expect.stringMatching(message) });
  });
});
