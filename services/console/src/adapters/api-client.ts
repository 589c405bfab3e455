/** The customer API as the console calls it: GETs with the session's key, answers passed on as they came. */
export interface ApiAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface ApiClient {
  get(pathAndQuery: string, apiKey: string): Promise<ApiAnswer>;
  /** The push channel: an open response whose body is the event stream; abort to close it. */
  stream(apiKey: string, signal: AbortSignal): Promise<Response>;
}

export class ApiUnavailable extends Error {}

export function createApiClient(baseUrl: string, timeoutMs = 10_000): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  const headers = (apiKey: string) => ({ authorization: `Bearer ${apiKey}`, accept: 'application/json' });
  return {
    async get(pathAndQuery, apiKey) {
      let res: Response;
      try {
        res = await fetch(`${base}${pathAndQuery}`, { headers: headers(apiKey), signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new ApiUnavailable(`the customer API at ${base} did not answer: ${(error as Error).message}`);
      }
      return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body: await res.text() };
    },
    async stream(apiKey, signal) {
      try {
        return await fetch(`${base}/v1/stream`, { headers: { ...headers(apiKey), accept: 'text/event-stream' }, signal });
      } catch (error) {
        throw new ApiUnavailable(`the customer API's stream at ${base} did not answer: ${(error as Error).message}`);
      }
    },
  };
}
