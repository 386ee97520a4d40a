import pino from 'pino';
import { isFerryError } from '../../src/errors';
import { type GitHubClient, FerryOctokit } from '../../src/source/github-client';
import { PullComments } from '../../src/source/github-comments';
import { PullRequests } from '../../src/source/github-pulls';
import { FakeGitHub, fakePull } from '../helpers/fake-github';

/**
 * Review apps' GitHub adapters against the fake GitHub over loopback: pull requests read and
 * listed (every page), and the review comment kept to one per pull request, edited in place.
 */

const SHA = '0123456789abcdef0123456789abcdef01234567';
const MARKER = '<!-- ferry:review-app:web -->';
let github: FakeGitHub;
let client: GitHubClient;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  github = await new FakeGitHub().start();
  // GitHub's limits as Ferry's client has them, with retries 5 ms apart and rate limits not waited out.
  client = new FerryOctokit({
    baseUrl: github.url,
    auth: 'ghs_test',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    limits: {
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
      doNotRetry: [400, 401, 403, 404, 410, 422, 451],
      retryBaseMs: 5,
    },
  });
});
beforeEach(() => {
  github.openPulls.clear();
  github.comments.length = 0;
  github.requests.length = 0;
  github.pullRequestsStatus = undefined;
  github.commentsStatus = undefined;
});
afterAll(() => github.stop());

const pulls = () => new PullRequests({ client, log });
const comments = () => new PullComments({ client, log });
const open = (...numbers: number[]) =>
  github.openPulls.set(
    'acme/web',
    numbers.map((n) => fakePull({ number: n, sha: SHA, branch: `b${n}` })),
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('PullRequests', () => {
  test('get reads a pull request; one GitHub does not have is undefined', async () => {
    github.openPulls.set('acme/web', [fakePull({ number: 42, sha: SHA, branch: 'feature/login', fork: true, merged: true })]);
    expect(await pulls().get('acme/web', 42)).toMatchObject({
      repo: 'acme/web',
      number: 42,
      headSha: SHA,
      branch: 'feature/login',
      fork: true,
      state: 'closed',
      merged: true,
    });
    expect(await pulls().get('acme/web', 43)).toBeUndefined();
    expect(github.requests).toEqual(['GET /repos/acme/web/pulls/42', 'GET /repos/acme/web/pulls/43']);
  });

  test('get: any other failure is an error that says what Ferry tried and what to do', async () => {
    github.pullRequestsStatus = 403;
    const err = await failure(pulls().get('acme/web', 42));
    expect(isFerryError(err, 'SOURCE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toBe(
      "GitHub refused when Ferry tried to read pull request #42 of acme/web (HTTP 403); give Ferry's GitHub token or App read access to pull requests (Pull requests: read).",
    );
    github.pullRequestsStatus = 502;
    expect(await failure(pulls().get('acme/web', 42))).toMatchObject({ details: { status: 502 } });
  });

  test('listOpen reads every page of the open pull requests, 100 at a time, and leaves the closed out', async () => {
    const all = Array.from({ length: 230 }, (_, i) => i + 1);
    github.openPulls.set(
      'acme/web',
      all.map((n) => fakePull({ number: n, sha: SHA, branch: `b${n}`, ...(n % 50 === 0 && { state: 'closed' as const }) })),
    );
    const listed = await pulls().listOpen('acme/web');
    expect(listed.map((p) => p.number)).toEqual(all.filter((n) => n % 50 !== 0));
    expect(listed.every((p) => p.state === 'open' && !p.merged)).toBe(true);
    expect(github.requests).toEqual([
      'GET /repos/acme/web/pulls?state=open&per_page=100',
      'GET /repos/acme/web/pulls?state=open&per_page=100&page=2',
      'GET /repos/acme/web/pulls?state=open&per_page=100&page=3',
    ]);
    expect(await pulls().listOpen('acme/api')).toEqual([]);
  });

  test('listOpen fails whole, never short, when GitHub fails or sends a pull request Ferry cannot read', async () => {
    github.pullRequestsStatus = 500;
    expect(await failure(pulls().listOpen('acme/web'))).toMatchObject({ code: 'SOURCE_UNAVAILABLE', details: { status: 500 } });
    github.pullRequestsStatus = undefined;
    open(1, 2);
    (github.openPulls.get('acme/web')![1]!.head as Record<string, unknown>).sha = 'nope';
    expect(await failure(pulls().listOpen('acme/web'))).toMatchObject({
      message: expect.stringContaining('pull_request.head.sha is not a commit SHA'),
    });
  });
});

describe('PullComments', () => {
  test('without an id: a new comment is posted and its id returned', async () => {
    open(42);
    github.addComment('acme/web', 42, 'LGTM');
    const id = await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nDeploying`);
    expect(github.comments.map((c) => [c.id, c.issue, c.body, c.login, c.edits])).toEqual([
      [expect.any(Number), 42, 'LGTM', 'octocat', 0],
      [id, 42, `${MARKER}\nDeploying`, 'ferry[bot]', 0],
    ]);
  });

  test('with its id: the comment is edited in place, nothing listed', async () => {
    open(42);
    const id = await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nDeploying`);
    github.requests.length = 0;
    expect(await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`, id)).toBe(id);
    expect(github.requests).toEqual([`PATCH /repos/acme/web/issues/comments/${id}`]);
    expect(github.comments).toEqual([expect.objectContaining({ id, body: `${MARKER}\nLive`, edits: 1 })]);
  });

  test('a comment someone deleted is posted again, once', async () => {
    open(42);
    const id = await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nDeploying`);
    github.comments.length = 0; // deleted on GitHub
    const again = await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`, id);
    expect(again).not.toBe(id);
    expect(github.comments).toEqual([expect.objectContaining({ id: again, body: `${MARKER}\nLive`, edits: 0 })]);
  });

  test('a lost id makes no second comment: the one with the marker is found on any page and edited', async () => {
    open(42, 43);
    for (let i = 0; i < 120; i++) github.addComment('acme/web', 42, `comment ${i}`);
    github.addComment('acme/web', 43, `${MARKER}\nanother pull request's`, 'ferry[bot]');
    github.addComment('acme/web', 42, '<!-- ferry:review-app:api -->\nanother app', 'ferry[bot]');
    const mine = github.addComment('acme/web', 42, `${MARKER}\nDeploying`, 'ferry[bot]');
    github.requests.length = 0;
    expect(await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`)).toBe(mine.id);
    expect(github.requests).toEqual([
      'GET /repos/acme/web/issues/42/comments?per_page=100',
      'GET /repos/acme/web/issues/42/comments?per_page=100&page=2',
      `PATCH /repos/acme/web/issues/comments/${mine.id}`,
    ]);
    expect(github.comments.filter((c) => c.body.startsWith(MARKER)).map((c) => [c.id, c.issue, c.body])).toEqual([
      [expect.any(Number), 43, `${MARKER}\nanother pull request's`],
      [mine.id, 42, `${MARKER}\nLive`],
    ]);
    // Found with the body it already has: nothing to write.
    github.requests.length = 0;
    expect(await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`)).toBe(mine.id);
    expect(github.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });

  test('a rate limit is an error the caller sees, with what Ferry tried; no comment is made', async () => {
    open(42);
    github.commentsStatus = 'rate-limit';
    const err = await failure(comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`));
    expect(err).toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      message:
        "GitHub's rate limit was reached when Ferry tried to comment on pull request #42 of acme/web; it works again once the limit resets.",
      details: { status: 403, rateLimited: true },
    });
    expect(github.comments).toEqual([]);
  });

  test('a post GitHub fails is not sent twice (the marker finds it next time); an edit is retried', async () => {
    open(42);
    github.commentsStatus = 502;
    expect(await failure(comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`))).toMatchObject({ details: { status: 502 } });
    expect(github.requests.filter((r) => r.startsWith('POST '))).toHaveLength(1);
    github.commentsStatus = undefined;
    const id = await comments().upsert('acme/web', 42, MARKER, `${MARKER}\nLive`);
    github.commentsStatus = 500;
    github.requests.length = 0;
    expect(await failure(comments().upsert('acme/web', 42, MARKER, `${MARKER}\nGone`, id))).toMatchObject({ details: { status: 500 } });
    expect(github.requests).toEqual(Array(4).fill(`PATCH /repos/acme/web/issues/comments/${id}`));
  });

  test('no access to the pull request: an error saying which permission Ferry needs', async () => {
    open(42);
    github.commentsStatus = 403;
    expect(await failure(comments().upsert('acme/web', 42, MARKER, 'x'))).toMatchObject({
      message:
        "GitHub refused when Ferry tried to comment on pull request #42 of acme/web (HTTP 403); give Ferry's GitHub token or App write access to pull requests (Pull requests: write, or Issues: write).",
    });
  });
});
