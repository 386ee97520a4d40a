import type { SlackCallCounter } from './ferry-metrics';

type Fetch = typeof globalThis.fetch;

/**
 * A fetch for Slack's WebClient (Ferry's and Bolt's) that counts each Web API request by method
 * and result: `ok`, Slack's error code (`channel_not_found`…), `rate_limited` (a 429: the client
 * waits out Retry-After and sends it again, counted again with its own result) or `http_error`
 * (another HTTP status, or no answer). Each HTTP request is counted once: a retried call counts once
 * per try. Only requests to `apiUrl` (SLACK_API_URL) are Web API calls: Bolt sends its answers to
 * a response_url through the same fetch, and those are not counted.
 */
export function countingSlackFetch(count: SlackCallCounter, apiUrl: string, base: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(apiUrl)) return base(input, init);
    const method = methodOf(url);
    let res: Response;
    try {
      res = await base(input, init);
    } catch (err) {
      count(method, 'http_error');
      throw err;
    }
    count(method, await resultOf(res));
    return res;
  };
}

/** The Web API method of a request URL (its last path segment), in the characters method names use. */
export function methodOf(url: string): string {
  const path = url.split('?')[0]!;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return /^[A-Za-z0-9._]{1,64}$/.test(last) ? last : 'other';
}

/** ok, Slack's error code, rate_limited or http_error; read from a copy of the body, which the client then reads. */
export async function resultOf(res: Response): Promise<string> {
  if (res.status === 429) return 'rate_limited';
  if (res.status !== 200) return 'http_error';
  try {
    const body = (await res.clone().json()) as { ok?: unknown; error?: unknown };
    if (body.ok === true) return 'ok';
    return typeof body.error === 'string' && /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : 'error';
  } catch {
    return 'http_error';
  }
}
