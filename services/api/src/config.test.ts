import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONSENT_POLICY_FILE } from '@cdp/plumbing';
import { apiConfigSchema, consentPolicyOf } from './config';

describe('CONSENT_POLICY_FILE', () => {
  const file = join(tmpdir(), `api-consent-policy-${process.pid}.json`);
  afterAll(() => rmSync(file, { force: true }));

  it('defaults to the repository\'s policy, which loads', () => {
    expect(apiConfigSchema.parse({}).CONSENT_POLICY_FILE).toBe(DEFAULT_CONSENT_POLICY_FILE);
    expect(consentPolicyOf(DEFAULT_CONSENT_POLICY_FILE).partnerNeeds('demo', 'nordic-loyalty')).toEqual(['marketing']);
  });

  it('a file that is missing, not JSON or not a policy is a configuration error naming the variable or the place in the file', () => {
    const problem = (path: string) => {
      try {
        consentPolicyOf(path);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error(`${path} loaded`);
    };
    expect(problem('/nonexistent/consent.json')).toMatch(/CONSENT_POLICY_FILE \(\/nonexistent\/consent\.json\): .*ENOENT/);
    writeFileSync(file, '{ "default": ');
    expect(problem(file)).toContain(`CONSENT_POLICY_FILE (${file}): `);
    writeFileSync(file, JSON.stringify({ default: { purposes: {}, partners: {} }, tenants: {} }));
    expect(problem(file)).toContain(`${file}: default.purposes.analytics`);
  });
});
