/**
 * A pull request object as GitHub sends it: in `GET /repos/{o}/{r}/pulls/{n}` (and, without
 * `merged`, in the list), and as a `pull_request` webhook's `pull_request`. Only the fields a
 * reader may look at are filled; the rest are GitHub's usual values.
 */
export interface FakePullOptions {
  number: number;
  /** The head commit (40 hex). */
  sha: string;
  /** The head branch. */
  branch: string;
  /** The base repository, owner/name (default acme/web). */
  repo?: string;
  /** The head is in a fork: its owner/name (true: `<author>/<name>`), or null for a fork that was deleted. */
  fork?: string | boolean | null;
  draft?: boolean;
  labels?: string[];
  state?: 'open' | 'closed';
  /** Closed by merging (sets state closed, merged and merged_at). */
  merged?: boolean;
  title?: string;
  author?: string;
  base?: string;
  /** GitHub's web URL (default https://github.com). */
  webUrl?: string;
}

export function fakePull(o: FakePullOptions): Record<string, unknown> {
  const repo = o.repo ?? 'acme/web';
  const [owner, name] = repo.split('/') as [string, string];
  const author = o.author ?? 'octocat';
  const web = o.webUrl ?? 'https://github.com';
  const api = 'https://api.github.com';
  const state = o.merged ? 'closed' : (o.state ?? 'open');
  const at = '2026-12-01T10:00:00Z';
  const repoObject = (full: string, id: number) => {
    const [own, n] = full.split('/') as [string, string];
    return {
      id,
      node_id: `R_${id}`,
      name: n,
      full_name: full,
      private: false,
      owner: { login: own, id: id + 1, type: 'User' },
      html_url: `${web}/${full}`,
      fork: full !== repo,
      url: `${api}/repos/${full}`,
      default_branch: 'main',
    };
  };
  const headFull = o.fork === true ? `${author}/${name}` : typeof o.fork === 'string' ? o.fork : repo;
  const headOwner = headFull.split('/')[0]!;
  const user = (login: string) => ({ login, id: 1000 + login.length, node_id: `U_${login}`, type: 'User', site_admin: false });
  return {
    url: `${api}/repos/${repo}/pulls/${o.number}`,
    id: 500_000 + o.number,
    node_id: `PR_${o.number}`,
    html_url: `${web}/${repo}/pull/${o.number}`,
    number: o.number,
    state,
    locked: false,
    title: o.title ?? `Change number ${o.number}`,
    user: user(author),
    body: 'What it does and why.',
    labels: (o.labels ?? []).map((l, i) => ({ id: 9000 + i, node_id: `LA_${i}`, name: l, color: 'ededed', default: false })),
    created_at: at,
    updated_at: at,
    closed_at: state === 'closed' ? at : null,
    merged_at: o.merged ? at : null,
    merge_commit_sha: o.merged ? 'f'.repeat(40) : null,
    draft: o.draft ?? false,
    head: {
      label: `${headOwner}:${o.branch}`,
      ref: o.branch,
      sha: o.sha,
      user: user(headOwner),
      repo: o.fork === null ? null : repoObject(headFull, headFull === repo ? 100 : 200),
    },
    base: {
      label: `${owner}:${o.base ?? 'main'}`,
      ref: o.base ?? 'main',
      sha: 'e'.repeat(40),
      user: user(owner),
      repo: repoObject(repo, 100),
    },
    author_association: 'MEMBER',
    merged: o.merged ?? false,
    mergeable: null,
    comments: 0,
    commits: 1,
  };
}

/** A `pull_request` webhook payload for `pull` (from fakePull). */
export function pullRequestPayload(
  action: string,
  pull: Record<string, unknown>,
  more: { sender?: string; label?: string; before?: string; after?: string } = {},
): Record<string, unknown> {
  const full = (pull.base as { repo: { full_name: string } }).repo.full_name;
  return {
    action,
    number: pull.number,
    pull_request: pull,
    ...(more.label !== undefined && { label: { id: 1, name: more.label, color: 'ededed' } }),
    ...(more.before !== undefined && { before: more.before }),
    ...(more.after !== undefined && { after: more.after }),
    repository: { id: 100, name: full.split('/')[1], full_name: full, private: false, owner: { login: full.split('/')[0] } },
    sender: { login: more.sender ?? (pull.user as { login: string }).login, id: 1, type: 'User' },
  };
}
