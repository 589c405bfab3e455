import { DEVELOPMENT_SALT, hashEmail } from '@cdp/plumbing';
import { DEFAULT_WAIT_SECONDS } from './cli-args';
import { parseEraseArgs } from './erase-args';
import { usageErrorOf } from '../test-support';

const parse = (line: string) => parseEraseArgs(line.split(' ').filter(Boolean), DEVELOPMENT_SALT);

describe('pnpm erase arguments', () => {
  it('an erasure: the identifier as ingest stores it, waiting only when asked', () => {
    expect(parse('--tenant demo --type loyalty_card --value 1234')).toEqual({ kind: 'erase', tenant: 'demo', type: 'loyalty_card', identifier: { type: 'loyalty_card', value: '1234' }, wait: false, timeoutSeconds: DEFAULT_WAIT_SECONDS });
    expect(parse('--tenant demo --type email --value Anna@Example.com --wait --timeout 30')).toEqual({
      kind: 'erase',
      tenant: 'demo',
      type: 'email',
      identifier: { type: 'email_hash', value: hashEmail(DEVELOPMENT_SALT, 'anna@example.com') },
      wait: true,
      timeoutSeconds: 30,
    });
  });

  it('withdraw, list and help', () => {
    const id = 'er_0b6f1c0e-5d7a-4b36-9a55-2f1d7a8e9c01';
    expect(parse(`--tenant demo --withdraw ${id}`)).toEqual({ kind: 'withdraw', tenant: 'demo', requestId: id });
    expect(parse('--tenant demo --list')).toEqual({ kind: 'list', tenant: 'demo' });
    expect(parse('--help')).toEqual({ kind: 'help' });
  });

  it('names what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /--tenant is required/],
      ['--type loyalty_card --value 1', /--tenant is required/],
      ['--tenant Demo! --list', /--tenant must be lower-case/],
      ['--tenant demo', /say what to do/],
      ['--tenant demo --list --withdraw er_x', /cannot be used together/],
      ['--tenant demo --list --type loyalty_card --value 1', /cannot be used together/],
      ['--tenant demo --list --wait', /--wait and --timeout are only for an erasure/],
      ['--tenant demo --withdraw 42', /--withdraw must be a request id/],
      ['--tenant demo --type loyalty_card', /--value is required/],
      ['--tenant demo --value 1234', /--type is required/],
      ['--tenant demo --type shoe_size --value 42', /--type must be one of/],
      ['--tenant demo --type person_id --value p_1', /--type .*person_id is not one/],
      ['--tenant demo --type email --value nobody', /--value must be an e-mail address/],
      ['--tenant demo --type loyalty_card --value 1 --timeout 5', /--timeout is only for --wait/],
      ['--tenant demo --type loyalty_card --value 1 --wait --timeout soon', /--timeout must be a whole number/],
      ['--tenant demo --type loyalty_card --value 1 --wait --timeout 0', /--timeout must be a whole number/],
      ['--tenant demo --list --colour red', /Unknown option '--colour'/],
      ['--tenant demo --list extra', /Unexpected argument 'extra'|positional/i],
      ['--tenant', /argument missing|requires|--tenant/],
    ];
    for (const [line, message] of cases) expect({ line, message: usageErrorOf(() => parse(line)) }).toEqual({ line, message: expect.stringMatching(message) });
  });
});
