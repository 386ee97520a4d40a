import type { FerryConfig } from './config/types';
import type { Deploy } from './deploy';
import { shortSha } from './deploy';
import { escapeMrkdwn, isSlackUser, mention } from './slack-format';

/** The deploy user of an automatic deploy whose pusher maps to no Slack user (`people:`). */
export const GITHUB_USER = 'github';

/** A push as Ferry reads it from GitHub's `push` payload. */
export interface Push {
  /** `repository.full_name`, e.g. acme/web. */
  repo: string;
  /** The branch pushed to (from `ref: refs/heads/<branch>`); undefined for a tag. */
  branch?: string;
  before: string;
  /** The pushed head SHA. */
  after: string;
  /** The branch was deleted (nothing to deploy). */
  deleted: boolean;
  /** How many commits the push brought (`commits`, which GitHub caps at 2048). */
  commits: number;
  /** Who pushed: `sender.login`, else `pusher.name`. */
  login: string;
  /** `pusher.email`, lower-case, when GitHub sent one. */
  email?: string;
  /** `repository.pushed_at` (seconds): when GitHub took the push; orders pushes that reach Ferry out of order. */
  pushedAt?: number;
}

const SHA = /^[0-9a-f]{40}$/;

/** Reads a push payload; a string says what is wrong with it. */
export function parsePush(payload: unknown): Push | string {
  if (!payload || typeof payload !== 'object') return 'the payload is not a JSON object';
  const p = payload as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const repo = obj(p.repository).full_name;
  if (typeof repo !== 'string' || !repo) return 'repository.full_name is missing';
  if (typeof p.ref !== 'string') return 'ref is missing';
  if (typeof p.before !== 'string' || !SHA.test(p.before)) return 'before is not a commit SHA';
  if (typeof p.after !== 'string' || !SHA.test(p.after)) return 'after is not a commit SHA';
  const sender = obj(p.sender).login;
  const pusher = obj(p.pusher);
  const login = typeof sender === 'string' && sender ? sender : typeof pusher.name === 'string' && pusher.name ? pusher.name : 'someone';
  const email = typeof pusher.email === 'string' && pusher.email.includes('@') ? pusher.email.toLowerCase() : undefined;
  const pushedAt = obj(p.repository).pushed_at;
  return {
    ...(typeof pushedAt === 'number' && Number.isFinite(pushedAt) && { pushedAt }),
    repo,
    ...(p.ref.startsWith('refs/heads/') && { branch: p.ref.slice('refs/heads/'.length) }),
    before: p.before,
    after: p.after,
    deleted: p.deleted === true || /^0{40}$/.test(p.after),
    commits: Array.isArray(p.commits) ? p.commits.length : 0,
    login,
    ...(email && { email }),
  };
}

/** The app envs a push deploys to: `auto_deploy:` of that branch, on apps whose `repo:` is the pushed repository. */
export function autoDeployTargets(config: FerryConfig, push: Push): { app: string; env: string }[] {
  if (push.deleted || push.branch === undefined) return [];
  const out: { app: string; env: string }[] = [];
  for (const app of config.appNames) {
    const a = config.apps[app]!;
    if (!a.repo || a.repo.toLowerCase() !== push.repo.toLowerCase()) continue;
    for (const env of a.envNames) if (a.envs[env]!.autoDeploy === push.branch) out.push({ app, env });
  }
  return out;
}

/** Who a push's deploy is for: the Slack user `people:` maps the pusher's login (or email) to, else GITHUB_USER. */
export function pushUser(people: Readonly<Record<string, string>>, push: Pick<Push, 'login' | 'email'>): string {
  const by = (k: string | undefined) => (k !== undefined && Object.hasOwn(people, k) ? people[k] : undefined);
  return by(push.login.toLowerCase()) ?? by(push.email) ?? GITHUB_USER;
}

/** Where an automatic deploy came from, for its feed message: "GitHub push by octocat" (with the mapped Slack user, if any). */
export function pushedBy(d: Pick<Deploy, 'user' | 'auto'>): string {
  const login = escapeMrkdwn(d.auto?.by ?? 'someone');
  return isSlackUser(d.user) ? `GitHub push by ${mention(d.user)} (${login})` : `GitHub push by ${login}`;
}

/** What a deploy carried by several pushes brings: "carries 3 pushes (5 commits): abc1234..def5678"; undefined for one push. */
export function carriesText(d: Pick<Deploy, 'sha' | 'auto'>): string | undefined {
  if (!d.auto || d.auto.pushes < 2) return undefined;
  const commits = d.auto.commits > 0 ? ` (${d.auto.commits} commit${d.auto.commits === 1 ? '' : 's'})` : '';
  return `carries ${d.auto.pushes} pushes${commits}: \`${shortSha(d.auto.from)}..${shortSha(d.sha)}\``;
}

/** The feed line for a push that was not deployed (the env is locked): which push, where, and why. */
export function pushNotDeployedText(push: Push, app: string, env: string, why: string): string {
  return `:no_entry: A push to \`${escapeMrkdwn(push.branch ?? '')}\` (\`${shortSha(push.before)}..${shortSha(push.after)}\`) by ${escapeMrkdwn(push.login)} was not deployed to \`${app}\` *${env}*: ${why}`;
}

/** `release_tags:` as a RegExp: `*` matches any run of characters except `/`; everything else is literal. */
export function tagGlob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`);
}

/** Whether tag `tag` matches the `release_tags:` glob `pattern`. */
export const tagMatches = (pattern: string, tag: string): boolean => tagGlob(pattern).test(tag);

/**
 * A new tag or a published GitHub release, as `auto_release:` reads them: `kind` says which
 * setting it serves (`tags`: a tag push or a `create` of a tag; `releases`: a `release` event
 * with `action: published`). `sha` is the tag's commit when the payload says it (a tag push's
 * `head_commit.id`, else its `after`); otherwise the tag is resolved through the app's CommitSource.
 */
export interface TagEvent {
  kind: 'tags' | 'releases';
  repo: string;
  tag: string;
  sha?: string;
  /** `sender.login`, else `pusher.name`. */
  login: string;
  email?: string;
}

/**
 * Reads a `push` of a new tag, a `create` of a tag, or a published `release`. Undefined when the
 * delivery is none of those (a branch push, a deleted tag, a `create` of a branch, a release
 * edited or drafted); a string says what is wrong with a payload that is one of them.
 */
export function parseTagEvent(event: string, payload: unknown): TagEvent | string | undefined {
  if (event !== 'push' && event !== 'create' && event !== 'release') return undefined;
  if (!payload || typeof payload !== 'object') return 'the payload is not a JSON object';
  const p = payload as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const sender = obj(p.sender).login;
  const pusher = obj(p.pusher);
  const login = typeof sender === 'string' && sender ? sender : typeof pusher.name === 'string' && pusher.name ? pusher.name : 'someone';
  const email = typeof pusher.email === 'string' && pusher.email.includes('@') ? pusher.email.toLowerCase() : undefined;
  const who = { login, ...(email && { email }) };
  const repoOf = (): string | undefined => {
    const repo = obj(p.repository).full_name;
    return typeof repo === 'string' && repo ? repo : undefined;
  };
  if (event === 'push') {
    if (typeof p.ref !== 'string' || !p.ref.startsWith('refs/tags/')) return undefined;
    if (p.created !== true || p.deleted === true) return undefined;
    const tag = p.ref.slice('refs/tags/'.length);
    const repo = repoOf();
    if (!repo) return 'repository.full_name is missing';
    if (!tag) return 'ref names no tag';
    if (typeof p.after !== 'string' || !SHA.test(p.after) || /^0{40}$/.test(p.after)) return 'after is not a commit SHA';
    // An annotated tag's `after` is the tag object; `head_commit` is the commit it tags.
    const head = obj(p.head_commit).id;
    return { kind: 'tags', repo, tag, sha: typeof head === 'string' && SHA.test(head) ? head : p.after, ...who };
  }
  if (event === 'create') {
    if (p.ref_type !== 'tag') return undefined;
    const repo = repoOf();
    if (!repo) return 'repository.full_name is missing';
    if (typeof p.ref !== 'string' || !p.ref) return 'ref is missing';
    return { kind: 'tags', repo, tag: p.ref.replace(/^refs\/tags\//, ''), ...who };
  }
  if (p.action !== 'published') return undefined;
  const repo = repoOf();
  if (!repo) return 'repository.full_name is missing';
  const tag = obj(p.release).tag_name;
  if (typeof tag !== 'string' || !tag) return 'release.tag_name is missing';
  return { kind: 'releases', repo, tag, ...who };
}

/** The app envs a tag event opens releases to: `auto_release:` of its kind whose `release_tags:` matches, on apps whose `repo:` is the event's. */
export function autoReleaseTargets(config: FerryConfig, ev: TagEvent): { app: string; env: string }[] {
  const out: { app: string; env: string }[] = [];
  for (const app of config.appNames) {
    const a = config.apps[app]!;
    if (!a.repo || a.repo.toLowerCase() !== ev.repo.toLowerCase()) continue;
    for (const env of a.envNames) {
      const rule = a.envs[env]!.autoRelease;
      if (rule && rule.on === ev.kind && a.envs[env]!.promoteFrom !== undefined && tagMatches(rule.tags, ev.tag)) out.push({ app, env });
    }
  }
  return out;
}

/** The feed line for a tag that opened no release: which tag, where, and why (ReleaseService's answer). */
export function tagNotReleasedText(ev: TagEvent, app: string, env: string, why: string): string {
  const what = ev.kind === 'releases' ? `GitHub release \`${escapeMrkdwn(ev.tag)}\`` : `Tag \`${escapeMrkdwn(ev.tag)}\``;
  return `:no_entry: ${what} (by ${escapeMrkdwn(ev.login)}) was not released to \`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*: ${why}`;
}
