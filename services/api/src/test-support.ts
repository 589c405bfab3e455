/** What the API's unit tests share: a refusal's field and reason, a command's usage error, calls to the app in process, and a consent policy. */
import type { FastifyInstance } from 'fastify';
import { parseConsentPolicy } from '@cdp/plumbing';
import { UsageError } from './core/cli-args';
import { LookupError } from './core/lookup';

/** The field and reason of the LookupError fn throws. */
export const refusalOf = (fn: () => unknown): { field: string; reason: string } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof LookupError) return { field: error.field, reason: error.reason };
    throw error;
  }
  throw new Error('no LookupError');
};

/** The message of the UsageError an operator command's parser throws. */
export const usageErrorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('no usage error');
};

export type Method = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';

/** A call to the app (fastify's inject) with an API key, its answer's JSON parsed. */
export const callerOf = (app: FastifyInstance) => async (method: Method, url: string, key: string | null, payload?: unknown) => {
  const res = await app.inject({ method, url, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {}, headers: res.headers };
};

/** Analytics opt-out, personalisation and marketing opt-in; nordic-loyalty's terms need marketing, tailored-ads' personalisation too. */
export const TEST_CONSENT_POLICY = parseConsentPolicy(
  {
    default: {
      purposes: {
        analytics: { policy: 'opt-out', categories: ['Analytics'] },
        personalisation: { policy: 'opt-in', categories: ['Personalization'] },
        marketing: { policy: 'opt-in', categories: ['Advertising'] },
      },
      partners: { 'nordic-loyalty': ['marketing'], 'tailored-ads': ['personalisation'] },
    },
    tenants: {},
  },
  'test.json',
);
