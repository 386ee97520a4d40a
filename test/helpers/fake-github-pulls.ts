/**
 * The pull request and issue comment endpoints of the fake GitHub (test/helpers/fake-github.ts):
 * `GET /repos/{o}/{r}/pulls/{n}`, `GET /repos/{o}/{r}/pulls?state=open` and
 * `GET|POST /repos/{o}/{r}/issues/{n}/comments`, `PATCH /repos/{o}/{r}/issues/comments/{id}`,
 * in GitHub's JSON shapes, lists paged with a Link header as GitHub does.
 */

/** A comment on a pull request (GitHub files them as issue comments). */
export interface FakeComment {
  id: number;
  repo: string;
  /** The pull request's (issue's) number. */
  issue: number;
  body: string;
  /** Who wrote it (Ferry's writes: `ferry[bot]`). */
  login: string;
  /** How many times it was edited (PATCH) since it was posted. */
  edits: number;
}

/** What the endpoints answer: status, JSON body, extra headers. */
export type Answer = [number, unknown, Record<string, string>?];

/** Listed per page without `per_page` (GitHub's default), and at most (GitHub's cap). */
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;
const FERRY_LOGIN = 'ferry[bot]';

export class FakePullsApi {
  /**
   * Per repository ("acme/web"), the pull requests GitHub has (raw objects, e.g. from fakePull):
   * `GET .../pulls?state=open` lists those whose state is open, `GET .../pulls/{n}` finds any.
   */
  readonly openPulls = new Map<string, Record<string, unknown>[]>();
  /** Every comment on a pull request, in the order posted. */
  readonly comments: FakeComment[] = [];
  /** When set, the pull request endpoints answer with this HTTP status. */
  pullRequestsStatus: number | undefined;
  /**
   * When set, comment writes (POST, PATCH) are refused: with this HTTP status, or 'rate-limit':
   * GitHub's primary rate limit answer (403, x-ratelimit-remaining 0, reset in a second).
   */
  commentsStatus: number | 'rate-limit' | undefined;
  private nextCommentId = 1_000;

  constructor(private readonly baseUrl: () => string) {}

  /** The answer for `rest` (the path after /repos/{o}/{r}/) of `full`, or undefined when it is not one of these endpoints. */
  answer(method: string, full: string, rest: string, url: URL, body: Record<string, unknown>): Answer | undefined {
    const pull = /^pulls\/(\d+)$/.exec(rest);
    if (method === 'GET' && (pull || rest === 'pulls')) {
      if (this.pullRequestsStatus) return [this.pullRequestsStatus, { message: 'Server Error' }];
      const all = this.openPulls.get(full) ?? [];
      if (pull) {
        const found = all.find((p) => p.number === Number(pull[1]));
        return found ? [200, found] : [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }];
      }
      const state = url.searchParams.get('state') ?? 'open';
      // GitHub's list leaves `merged` out (merged_at says it).
      const listed = all.filter((p) => state === 'all' || p.state === state).map(({ merged: _, ...p }) => p);
      return this.page(url, listed);
    }
    const issue = /^issues\/(\d+)\/comments$/.exec(rest);
    if (issue && method === 'GET') {
      const mine = this.comments.filter((c) => c.repo === full && c.issue === Number(issue[1]));
      return this.page(
        url,
        mine.map((c) => this.json(c)),
      );
    }
    if (issue && method === 'POST') return this.write(() => this.post(full, Number(issue[1]), body));
    const edit = /^issues\/comments\/(\d+)$/.exec(rest);
    if (edit && method === 'PATCH') return this.write(() => this.patch(full, Number(edit[1]), body));
    return undefined;
  }

  /** A comment as GitHub answers with it. */
  json(c: FakeComment): Record<string, unknown> {
    const at = '2026-12-01T10:00:00Z';
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.baseUrl()}/repos/${c.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.baseUrl()}/repos/${c.repo}/issues/${c.issue}`,
      body: c.body,
      user: { login: c.login, id: 41898282, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: at,
      updated_at: at,
      author_association: 'NONE',
    };
  }

  /** Someone else's comment (or one Ferry made before), as a test sets up. */
  addComment(repo: string, issue: number, body: string, login = 'octocat'): FakeComment {
    const c: FakeComment = { id: this.nextCommentId++, repo, issue, body, login, edits: 0 };
    this.comments.push(c);
    return c;
  }

  private write(run: () => Answer): Answer {
    if (this.commentsStatus === 'rate-limit') {
      return [
        403,
        { message: 'API rate limit exceeded for installation ID 123.', documentation_url: 'https://docs.github.com/rest/rate-limit' },
        {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
        },
      ];
    }
    if (this.commentsStatus) return [this.commentsStatus, { message: this.commentsStatus >= 500 ? 'Server Error' : 'Forbidden' }];
    return run();
  }

  private post(repo: string, issue: number, body: Record<string, unknown>): Answer {
    if (typeof body.body !== 'string') return [422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.' }];
    if (!(this.openPulls.get(repo) ?? []).some((p) => p.number === issue)) return [404, { message: 'Not Found' }];
    return [201, this.json(this.addComment(repo, issue, body.body, FERRY_LOGIN))];
  }

  private patch(repo: string, id: number, body: Record<string, unknown>): Answer {
    const c = this.comments.find((x) => x.id === id && x.repo === repo);
    if (!c)
      return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment' }];
    if (typeof body.body !== 'string') return [422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.' }];
    c.body = body.body;
    c.edits++;
    return [200, this.json(c)];
  }

  /** One page of `all` (`page`, `per_page`), with GitHub's Link header to the next and last pages. */
  private page(url: URL, all: unknown[]): Answer {
    const q = url.searchParams;
    const page = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(Number(q.get('per_page') ?? DEFAULT_PER_PAGE)) || DEFAULT_PER_PAGE));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const at = (n: number) => {
      const u = new URL(`${url.pathname}${url.search}`, this.baseUrl());
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(n));
      return `<${u.href}>`;
    };
    const links = [
      ...(page < last ? [`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`] : []),
      ...(page > 1 ? [`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`] : []),
    ];
    return [200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {}];
  }
}
