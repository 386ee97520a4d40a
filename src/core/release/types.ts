/**
 * Releases: a proposal to promote the SHA running on one env (the source, e.g. staging) to the
 * next (the target, e.g. production), with its commits, their authors, acks and holds.
 */

/** One commit of a release's range, as GitHub or local git tells it. */
export interface Commit {
  sha: string;
  /** First line of the message. */
  subject: string;
  authorName: string;
  authorEmail: string;
  /** GitHub login of the author, when the commit comes from GitHub and GitHub knows the account. */
  authorLogin?: string;
  /** Author date, ms since the epoch. */
  date: number;
  /** The pull request it came from, where known (GitHub's API, or `(#123)` at the end of a squash merge's subject). */
  pr?: { number: number; title: string; url?: string };
  /** The key of its release Author (set when the release is opened). */
  authorKey?: string;
}

/**
 * What lies between the target's SHA (base) and the source's (head). Commits are oldest first and
 * never merge commits; a range is always complete (never one page of it).
 */
export type CommitRange =
  /** The target is an ancestor of the source: `commits` is everything to ship. */
  | { kind: 'ahead'; commits: Commit[]; compareUrl?: string }
  /** Same SHA, or the source is behind the target: nothing to ship. */
  | { kind: 'identical'; compareUrl?: string }
  | { kind: 'behind'; behind: number; compareUrl?: string }
  /** Neither contains the other: `commits` are the source's side (what shipping would bring), `behind` the target's. */
  | { kind: 'diverged'; ahead: number; behind: number; commits: Commit[]; compareUrl?: string };

/** How a release's author is asked: their own ack, an approver's on their behalf, or none (shown only). */
export type AckBy = 'self' | 'approver' | 'none';

/** A person (or bot) with commits in the release; commits of one Slack user are one author. */
export interface Author {
  /** Stable within the release: `slack:U…` when mapped to a Slack user, else `email:<email>` (lower-case), else `name:<name>`. */
  key: string;
  /** As shown: the Slack mention's fallback, the git name otherwise. */
  name: string;
  slack?: string;
  bot: boolean;
  commits: number;
  ackBy: AckBy;
}

export type ReleaseStatus = 'open' | 'shipping' | 'shipped' | 'cancelled' | 'expired';

/** What release teams fill in; editable in a modal and shown on the summary. */
export interface ReleaseFields {
  description?: string;
  deployType?: string;
  /** Prefilled with the rollback to the target's current SHA. */
  backout?: string;
  version?: string;
  configChanges?: string;
}

export interface Release {
  id: number;
  app: string;
  /** Source env (its SHA is what ships). */
  from: string;
  /** Target env. */
  to: string;
  sourceSha: string;
  /** What runs on the target now; undefined when the target has had no deploy. */
  targetSha?: string;
  /** The source's ref as deployed there (a branch name, say), for people; the tag, for a release opened from one. */
  sourceRef?: string;
  /**
   * Opened from this tag (`auto_release:`): sourceSha is the tag's commit, not what `from` runs,
   * so deploys to `from` don't make it stale (deploys to the target still do).
   */
  tag?: string;
  requester: string;
  createdAt: number;
  status: ReleaseStatus;
  /** Commits in the range (the stored list may be the newest/oldest part; see commitsKept). */
  commitCount: number;
  /** Set when the range was not an ancestor line and the requester forced it. */
  diverged?: { ahead: number; behind: number };
  /** The target had no deploy: the commits are the source's recent history, not a range. */
  noBase?: boolean;
  compareUrl?: string;
  authors: Author[];
  /** authorKey -> who acked it (the author's Slack ID, or the approver's for `approver` authors) and when. */
  acks: Record<string, { by: string; at: number }>;
  /** Required approvers' approvals: Slack user ID -> when. */
  approvals: Record<string, number>;
  /** Standing holds: Slack user ID of who raised it -> reason and when. */
  holds: Record<string, { reason: string; at: number }>;
  /**
   * The source moved after the summary (to this SHA), or the target did (a deploy outside the
   * release): the release must be refreshed, and never ships.
   */
  stale?: { sha: string; at: number; env: string };
  fields: ReleaseFields;
  /** Once shipped (or shipping): its deploy, who shipped it, when. */
  deployId?: number;
  shippedBy?: string;
  shippedAt?: number;
  /** Why it ended (cancelled, expired), in Ferry's mrkdwn. */
  endReason?: string;
  /** The last ship attempt's deploy failed or was cancelled: the release is open again and can ship again. */
  lastShip?: { deployId: number; status: 'failed' | 'cancelled' };
  /** Why the last ship attempt was refused (frozen target, a lock, a permission), in Ferry's mrkdwn. */
  shipNote?: string;
  /** Ship attempts so far (each one's deploy has its own idempotency key). */
  shipAttempts: number;
  /** Reminders sent so far. */
  reminders: number;
  feedChannel?: string;
  feedTs?: string;
  rev: number;
}

/** An env's release rules (`release:` under the target env in the config). */
export interface ReleasePolicy {
  /** `auto`: ships as soon as it is ready; `button`: waits for someone allowed to deploy the target to press Ship. */
  ship: 'auto' | 'button';
  /** Freeze the source env for the life of the release. */
  freezeSource: boolean;
  /** Slack user IDs / user group IDs; when set, one of them must approve. */
  approvers: string[];
  /** When false, the requester's approval does not count as the required approver's. */
  selfApproval: boolean;
  /** Bots and authors with no Slack user: acked by an approver (`approver`) or shown only (`none`). */
  unmapped: 'approver' | 'none';
  /** DM authors who have not answered after this long, then every `remindEveryMs`, at most `reminders` times. */
  remindAfterMs: number;
  remindEveryMs: number;
  reminders: number;
  /** An open release is cancelled this long after it was opened. */
  expireAfterMs: number;
  /** Where the short human summary goes once it shipped (a channel ID); none when unset. */
  productChannel?: string;
}

/** A release as `/release` planned it, before the store gives it an id and its state. */
export type NewRelease = Pick<
  Release,
  'app' | 'from' | 'to' | 'sourceSha' | 'requester' | 'createdAt' | 'commitCount' | 'authors' | 'fields'
> &
  Partial<Pick<Release, 'targetSha' | 'sourceRef' | 'tag' | 'diverged' | 'noBase' | 'compareUrl'>>;
