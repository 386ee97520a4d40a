import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { githubLimits, type GitHubLimitsOptions } from '../../src/source/github-limits';

/** A GitHub stand-in whose answers the test scripts, one per request, in order. */
class Scripted {
  answers: { status: number; headers?: Record<string, string>; body?: unknown; hold?: Promise<void> }[] = [];
  seen: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server = http.createServer(async (req, res) => {
    this.seen.push(`${req.method} ${req.url}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const a = this.answers.shift() ?? { status: 200, body: { ok: true } };
    await a.hold;
    this.inFlight--;
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(JSON.stringify(a.body ?? {}));
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const Limited = Octokit.plugin(githubLimits);

describe('githubLimits: retries, rate limits, write spacing and concurrency without Bottleneck', () => {
  let gh: Scripted;
  let url: string;
  const events: string[] = [];
  let turns = 0;
  const limits = (o: Partial<GitHubLimitsOptions> = {}): GitHubLimitsOptions => ({
    writes: { turn: async () => void turns++, holdOff: async () => {} },
    onRateLimit: (after, r, n) => (events.push(`rate ${after} ${r.method} ${n}`), n < 1),
    onSecondaryRateLimit: (after, r, n) => (events.push(`secondary ${after} ${r.method} ${n}`), n < 1),
    doNotRetry: [400, 401, 403, 404, 410, 422, 451],
    retryBaseMs: 5,
    ...o,
  });
  const client = (o?: Partial<GitHubLimitsOptions>) => new Limited({ baseUrl: url, limits: limits(o) } as never);

  beforeEach(async () => {
    gh = new Scripted();
    url = await gh.start();
    events.length = 0;
    turns = 0;
  });
  afterEach(() => gh.stop());

  test('a 5xx is retried (three times at most) and the request succeeds when GitHub recovers', async () => {
    gh.answers = [{ status: 502 }, { status: 503 }, { status: 200, body: { sha: 'abc' } }];
    const res = await client().request('GET /repos/{owner}/{repo}/commits/{ref}', { owner: 'a', repo: 'b', ref: 'main' });
    expect(res.data).toEqual({ sha: 'abc' });
    expect(gh.seen).toHaveLength(3);
    gh.answers = [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }];
    gh.seen = [];
    await expect(client().request('GET /x')).rejects.toMatchObject({ status: 500 });
    expect(gh.seen).toHaveLength(4);
  });

  test('a 404 or 422 is not retried, nor a request that asks for no retries', async () => {
    gh.answers = [{ status: 404, body: { message: 'Not Found' } }];
    await expect(client().request('GET /x')).rejects.toMatchObject({ status: 404 });
    gh.answers = [{ status: 502 }, { status: 200 }];
    await expect(client().request('GET /y', { request: { retries: 0 } })).rejects.toMatchObject({ status: 502 });
    expect(gh.seen).toEqual(['GET /x', 'GET /y']);
  });

  test('a primary rate limit is waited out when the handler says so, then reported', async () => {
    const reset = String(Math.floor(Date.now() / 1000));
    const limited = {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: { message: 'API rate limit exceeded' },
    };
    gh.answers = [limited, { status: 200, body: { ok: 1 } }];
    await expect(client().request('GET /x')).resolves.toMatchObject({ data: { ok: 1 } });
    gh.answers = [limited, limited];
    await expect(client().request('GET /x')).rejects.toMatchObject({ status: 403 });
    expect(events.map((e) => e.replace(/ \d+ /, ' N '))).toEqual(['rate N GET 0', 'rate N GET 0', 'rate N GET 1']);
  });

  test('a secondary rate limit waits its retry-after; a plain 403 is not a rate limit and is not retried', async () => {
    const secondary = { status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } };
    gh.answers = [secondary, { status: 201, body: { id: 7 } }];
    await expect(client().request('POST /repos/a/b/deployments', { ref: 'x' })).resolves.toMatchObject({ data: { id: 7 } });
    expect(events).toEqual(['secondary 1 POST 0']);
    gh.answers = [{ status: 403, body: { message: 'Resource not accessible by integration' } }];
    await expect(client().request('GET /z')).rejects.toMatchObject({ status: 403 });
    expect(gh.seen.at(-1)).toBe('GET /z');
    expect(gh.seen).toHaveLength(3);
  });

  test('writes take a turn from the pacer (every attempt); reads and app token requests do not', async () => {
    gh.answers = [{ status: 200 }, { status: 201 }, { status: 502 }, { status: 201 }, { status: 201 }];
    const c = client();
    await c.request('GET /repos/a/b');
    await c.request('POST /repos/a/b/deployments', { ref: 'x' });
    await c.request('PATCH /repos/a/b/thing', {});
    await c.request('POST /app/installations/1/access_tokens');
    expect(turns).toBe(3);
  });

  test('at most maxConcurrent requests are in flight; the rest wait and all are answered', async () => {
    let open!: () => void;
    const hold = new Promise<void>((r) => (open = r));
    gh.answers = Array.from({ length: 12 }, () => ({ status: 200, hold }));
    const c = client({ maxConcurrent: 4 });
    const all = Promise.all(Array.from({ length: 12 }, (_, i) => c.request(`GET /n/${i}`)));
    await new Promise<void>((r) => {
      const check = () => (gh.seen.length >= 4 ? r() : setTimeout(check, 5));
      check();
    });
    expect(gh.inFlight).toBe(4);
    open();
    expect(await all).toHaveLength(12);
    expect(gh.maxInFlight).toBe(4);
  });

  test('every try is counted by result (ferry_github_api_calls_total): ok, 4xx, 5xx, rate_limited, network', async () => {
    const counted: string[] = [];
    const c = client({ count: (r) => void counted.push(r) });
    const reset = String(Math.floor(Date.now() / 1000));
    gh.answers = [
      { status: 502 },
      { status: 200, body: {} },
      { status: 404, body: { message: 'Not Found' } },
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded' } },
      { status: 200, body: {} },
    ];
    await c.request('GET /a');
    await expect(c.request('GET /b')).rejects.toMatchObject({ status: 404 });
    await c.request('GET /c');
    const down = new Limited({
      baseUrl: 'http://127.0.0.1:1',
      limits: limits({ count: (r) => void counted.push(r), retries: 0 }),
    } as never);
    await expect(down.request('GET /d')).rejects.toBeDefined();
    expect(counted).toEqual(['5xx', 'ok', '4xx', 'rate_limited', 'ok', 'network']);
  });
});
