import type { PullInfo } from './review-app';

/**
 * A pull request as GitHub describes it (`GET /repos/{o}/{r}/pulls/{n}`, or a `pull_request`
 * webhook's `pull_request`) read into PullInfo, and the `pull_request` webhook read into PullEvent.
 * Pure, and never throws: what does not fit comes back as a string that says what is wrong.
 */

/** A `pull_request` webhook as Ferry reads it. */
export interface PullEvent {
  /** opened, reopened, synchronize, ready_for_review, converted_to_draft, closed, labeled, unlabeled, edited, ... */
  action: string;
  /** `repository.full_name`, e.g. acme/web. */
  repo: string;
  pull: PullInfo;
  /** Who did it: `sender.login`. */
  sender: string;
  /** labeled/unlabeled: the label's name. */
  label?: string;
  /** synchronize: the head before and after the push. */
  before?: string;
  after?: string;
}

/** The longest title Ferry keeps (GitHub allows 256 and more; it is shown in Slack and on the PR). */
export const TITLE_MAX = 300;
/** A pull request number that makes an env (`pr-<n>`, see REVIEW_ENV). */
const NUMBER_MAX = 999_999_999;
const SHA = /^[0-9a-f]{40}$/i;
/** A repository's full name as GitHub spells it: owner/name. */
const FULL_NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
/** GitHub (and git) refs are at most 255 bytes; no control characters. */
const BRANCH = /^\P{Cc}{1,255}$/u;
const LABELS_MAX = 100;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads a pull request of `repo`; a string says what is wrong (for a 400 answer). */
export function pullInfo(raw: unknown, repo: string): PullInfo | string {
  const p = obj(raw);
  if (!p) return 'pull_request is not a JSON object';
  const number = p.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1 || number > NUMBER_MAX) {
    return 'pull_request.number is not a pull request number';
  }
  const head = obj(p.head);
  if (!head) return 'pull_request.head is missing';
  const sha = str(head.sha);
  if (sha === undefined) return 'pull_request.head.sha is missing';
  if (!SHA.test(sha)) return 'pull_request.head.sha is not a commit SHA';
  const branch = str(head.ref);
  if (branch === undefined) return 'pull_request.head.ref is missing';
  if (!BRANCH.test(branch)) return 'pull_request.head.ref is not a branch name';
  const state = p.state;
  if (state !== 'open' && state !== 'closed') return 'pull_request.state is neither open nor closed';
  return {
    repo,
    number,
    title: clip(str(p.title) ?? '', TITLE_MAX),
    author: str(obj(p.user)?.login) || 'ghost',
    branch,
    headSha: sha.toLowerCase(),
    draft: p.draft === true,
    fork: isFork(head, obj(p.base), repo),
    labels: labelNames(p.labels),
    state,
    merged: p.merged === true || (typeof p.merged_at === 'string' && p.merged_at !== ''),
  };
}

/** Reads a `pull_request` webhook payload; a string says what is wrong with it. */
export function parsePullRequestEvent(payload: unknown): PullEvent | string {
  const p = obj(payload);
  if (!p) return 'the payload is not a JSON object';
  const action = str(p.action);
  if (!action) return 'action is missing';
  const repo = str(obj(p.repository)?.full_name);
  if (!repo) return 'repository.full_name is missing';
  if (!FULL_NAME.test(repo)) return 'repository.full_name is not owner/name';
  if (p.pull_request === undefined || p.pull_request === null) return 'pull_request is missing';
  const pull = pullInfo(p.pull_request, repo);
  if (typeof pull === 'string') return pull;
  const label = str(obj(p.label)?.name);
  const [before, after] = [str(p.before), str(p.after)];
  return {
    action: clip(action, 50),
    repo,
    pull,
    sender: clip(str(obj(p.sender)?.login) || 'someone', 100),
    ...((action === 'labeled' || action === 'unlabeled') && label !== undefined && { label: clip(label, 100) }),
    ...(before !== undefined && SHA.test(before) && { before: before.toLowerCase() }),
    ...(after !== undefined && SHA.test(after) && { after: after.toLowerCase() }),
  };
}

/** The head is in another repository than the base, or in one that was deleted (head.repo null). */
function isFork(head: Obj, base: Obj | undefined, repo: string): boolean {
  const headRepo = obj(head.repo);
  const from = str(headRepo?.full_name);
  if (!headRepo || !from) return true;
  const into = str(obj(base?.repo)?.full_name) ?? repo;
  return from.toLowerCase() !== into.toLowerCase();
}

function labelNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const names: string[] = [];
  for (const l of v.slice(0, LABELS_MAX)) {
    const name = typeof l === 'string' ? l : str(obj(l)?.name);
    if (name) names.push(clip(name, 100));
  }
  return names;
}

/** At most `max` characters (code points: an emoji is never cut in half). */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return Array.from(s.slice(0, max * 2))
    .slice(0, max)
    .join('');
}
