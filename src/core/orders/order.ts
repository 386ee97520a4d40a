/**
 * Who asked for a deploy, and why: one order per way a deploy comes about. DeployRequests takes
 * an order, gathers the facts it needs (decide.ts says which), and accepts it or refuses it.
 */

/** Where the deploy goes, what the requester named (a label only when the SHA is pinned), and whom it is recorded for. */
interface OrderBase {
  app: string;
  env: string;
  ref: string;
  /** The Slack user ID the deploy is recorded for (`ferry` for a promotion). */
  user: string;
}

/** `/deploy` by a person: the ref is pinned to its SHA when accepted; `override` starts it outside the window. */
export interface PersonDeploy extends OrderBase {
  kind: 'deploy';
  /** Start outside the env's deploy window, for this stated reason (needs `permissions.override`). */
  override?: string;
}

/** What an automatic deploy records (Deploy.auto): who pushed, the push's `before` SHA, how many commits it brought. */
export interface AutoInfo {
  by: string;
  from: string;
  commits: number;
}

/**
 * A GitHub push to an env's `auto_deploy:` branch: Ferry's own, not a person's. It skips
 * `permissions.deploy`, claims no lock, and a freeze holds it (accepted, queued, and held by the
 * worker's gate until the freeze ends) instead of refusing it. Windows and locks apply as to
 * anyone's deploy. It replaces the env's automatic deploy still queued, if any.
 */
export interface PushDeploy extends OrderBase {
  kind: 'push';
  /** The pushed head SHA; `ref` is the branch. */
  sha: string;
  push: AutoInfo;
}

/**
 * `promote: auto`: a green deploy goes on to the env's `promote_to:` as the same SHA. Treated like
 * a push (Ferry's own, no lock, a freeze holds it); recorded with `auto.by` "promotion:<env>#<id>".
 */
export interface PromotionDeploy extends OrderBase {
  kind: 'promotion';
  sha: string;
  /** The deploy it promotes. */
  from: { env: string; deployId: number };
  /** What ran on the target before (its SHA, or ''). */
  before: string;
}

/** The SHA a rollback puts back (chosen by RollbackService), and what its deploy record's rollbackOf holds. */
interface RollbackBase extends OrderBase {
  sha: string;
  /** The deploy id whose SHA comes back, or the SHA. */
  of: string;
}

/** `/rollback` by a person: it needs `permissions.deploy`, and locks the env for them (named in the lock's reason). */
export interface PersonRollback extends RollbackBase {
  kind: 'rollback';
  /** How the lock's reason names the requester ("rolled back by ana"). */
  name: string;
}

/**
 * Ferry's own rollback after deploy `failedDeploy`'s smoke check failed (`on_smoke_failure:
 * [rollback]`), made as that deploy's requester: no permission needed, and a freeze holds it
 * instead of refusing it. It locks the env like any rollback.
 */
export interface SmokeRollback extends RollbackBase {
  kind: 'smoke-rollback';
  failedDeploy: number;
}

/** A release's Ship: the summarised SHA to the release's target, as the person who shipped it (or its opener, for `ship: auto`). */
export interface ReleaseShip extends OrderBase {
  kind: 'ship';
  sha: string;
  /** The release and ship attempt, and the SHA its target must still run when it starts ('none': nothing). */
  release: { id: number; attempt: number; base: string };
}

/**
 * A pull request's review app (env `pr-<n>`, see services/review-apps.ts): its deploy (the PR's
 * head on a push, or the ref a person named) or its teardown. Ferry's own when GitHub asked for it
 * (a push, the PR closed, its ttl, a reconcile): no permission needed, and a freeze holds it. A
 * person's (`/deploy pr-42 [ref|teardown]`) needs `permissions.deploy` of `review_apps:`. No lock
 * applies; a push's deploy replaces the review app's deploy still queued, as for auto_deploy.
 */
export interface ReviewOrder extends OrderBase {
  kind: 'review';
  action: 'deploy' | 'teardown';
  /** The SHA it runs (the PR's head, the named ref's, or for a teardown what the app ran). */
  sha: string;
  /** The pull request's branch (FERRY_PR_BRANCH). */
  branch: string;
  /** Asked for by a person in Slack (`user`), not by GitHub or Ferry's timers. */
  person: boolean;
  /** The push it deploys (replaces a queued one; said in the feed like an automatic deploy). */
  push?: AutoInfo;
}

export type DeployOrder = PersonDeploy | PushDeploy | PromotionDeploy | PersonRollback | SmokeRollback | ReleaseShip | ReviewOrder;
export type RollbackOrder = PersonRollback | SmokeRollback;

/** Who asks for a rollback, before Ferry has chosen what it puts back. */
export type RollbackAsker = Pick<PersonRollback, 'kind' | 'user' | 'name'> | Pick<SmokeRollback, 'kind' | 'user' | 'failedDeploy'>;

export const isRollback = (o: DeployOrder): o is RollbackOrder => o.kind === 'rollback' || o.kind === 'smoke-rollback';

/** Ferry's own orders: no person's permission is needed, and a freeze holds them instead of refusing them. */
export const isFerrysOwn = (o: DeployOrder): boolean =>
  o.kind === 'push' || o.kind === 'promotion' || o.kind === 'smoke-rollback' || (o.kind === 'review' && !o.person);

/** A review app's teardown: no checks are needed to take an app away. */
export const isTeardown = (o: DeployOrder): boolean => o.kind === 'review' && o.action === 'teardown';

/** The override reason, if the order carries one (only a person's `/deploy ... override <reason>`). */
export const overrideOf = (o: DeployOrder): string | undefined => (o.kind === 'deploy' ? o.override : undefined);

/** The line (per env) that orders join in arrival order (see ArrivalOrder). */
export const lineOf = (app: string, env: string): string => `${app}/${env}`;
