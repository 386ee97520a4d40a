/** How the keys are named. */
export interface KeyOptions {
  /**
   * On a Redis Cluster: the prefix is a hash tag (`{ferry}`), so every key of this Ferry instance,
   * BullMQ's included, is in one hash slot, on one master: every Lua script, MULTI and BullMQ script
   * touches keys of one slot. Off (one node, Sentinel): the names stay `ferry:...`, as they always were.
   */
  hashTag?: boolean;
}

/** The prefix every key starts with: `prefix`, or `{prefix}` as a cluster hash tag (redis_prefix has no braces of its own). */
export function keyPrefix(prefix: string, opts: KeyOptions = {}): string {
  return opts.hashTag ? `{${prefix}}` : prefix;
}

/**
 * Every Redis key Ferry uses, in one place. `prefix` lets several Ferrys (or tests) share a Redis.
 * `exclusiveGroupOf` (config `exclusive_groups:`, app -> group) makes the apps of a group share
 * their env leases: every process must be started with the same groups. `opts.hashTag`: see KeyOptions.
 */
export function keys(prefix: string, exclusiveGroupOf: Readonly<Record<string, string>> = {}, opts: KeyOptions = {}) {
  const p = keyPrefix(prefix, opts);
  /** Whose env leases an app's deploys hold: its exclusive group's (`group:<name>`), else its own. */
  const leaseScope = (app: string): string => (Object.hasOwn(exclusiveGroupOf, app) ? `group:${exclusiveGroupOf[app]!}` : app);
  return {
    prefix: p,
    deploySeq: `${p}:deploy:seq`,
    /** A deploy's record is this prefix and its id (accept.lua appends ids to it). */
    deployPrefix: `${p}:deploy:`,
    deploy: (id: number) => `${p}:deploy:${id}`,
    /** Which of a deploy's events the metrics counted (HASH: started, finished; src/metrics/counted-once.ts). */
    deployMetrics: (id: number) => `${p}:deploy:${id}:metrics`,
    deployLog: (id: number) => `${p}:deploy:${id}:log`,
    /** How many lines were ever appended to the log (the list keeps the newest): gives lines absolute numbers. */
    deployLogCount: (id: number) => `${p}:deploy:${id}:log:count`,
    /** The GitHub deployment mirroring a deploy (HASH: id, rank of the last state posted, rank wanted and the job that writes it, tries) and the claim of the one process writing it. */
    deployGitHub: (id: number) => `${p}:deploy:${id}:github`,
    deployGitHubLock: (id: number) => `${p}:deploy:${id}:github:lock`,
    /** Deploys whose GitHub deployment has a write waiting (ZSET id -> when it is due; creations and outcomes before other states), drained by every process. */
    githubOutbox: `${p}:github:outbox`,
    /** When the next write to GitHub may be sent (ms): GitHub asks for writes a second apart per token, so every process takes its turns here. */
    githubWriteSlot: `${p}:github:write-slot`,
    /** Signs log page links when FERRY_LINK_SECRET is not set; shared by every process. */
    linkSecret: `${p}:link-secret`,
    idempotency: (key: string) => `${p}:idem:${key}`,
    envState: (app: string, env: string) => `${p}:env:${app}:${env}`,
    envDurations: (app: string, env: string) => `${p}:env:${app}:${env}:durations`,
    /** Deploy ids accepted for the env, newest first (bounded): history, rollback targets. */
    envDeploys: (app: string, env: string) => `${p}:env:${app}:${env}:deploys`,
    /** The env's newest automatic (push) deploy's id: a newer push replaces it while it is still queued. */
    autoDeploy: (app: string, env: string) => `${p}:env:${app}:${env}:auto`,
    /** A GitHub webhook delivery (X-GitHub-Delivery) already taken, kept 7 days: a redelivery does nothing twice. */
    githubDelivery: (id: string) => `${p}:github:delivery:${id}`,
    lock: (app: string, env: string) => `${p}:lock:${app}:${env}`,
    lockSeq: `${p}:lock:seq`,
    waitlist: (app: string, env: string) => `${p}:waitlist:${app}:${env}`,
    /**
     * The env lease the app's running deploy holds: one per env for an exclusive group (its apps
     * never deploy to an env at the same time), else one per app and env. App and env names have
     * no colon, so `group:<name>` can't be an app's.
     */
    lease: (app: string, env: string) => `${p}:lease:${leaseScope(app)}:${env}`,
    /** Deploys waiting for that lease, by id (oldest first goes next), and when each last asked (HASH). */
    leaseLine: (app: string, env: string) => `${p}:lease:${leaseScope(app)}:${env}:line`,
    leaseLineSeen: (app: string, env: string) => `${p}:lease:${leaseScope(app)}:${env}:line:seen`,
    /** The deploy (id) whose CI run holds the lease's env while it goes, even between workers: no deploy of the group begins meanwhile. */
    leaseCi: (app: string, env: string) => `${p}:lease:${leaseScope(app)}:${env}:ci`,
    fenceSeq: `${p}:lease:fence`,
    /** Pub/sub channel (not a key): deploy ids whose running command was asked to stop. */
    cancelChannel: `${p}:cancel`,
    /** Pub/sub: a webhook about a CI run (its wake key, core/ci/wake.ts) wakes the worker following it. */
    ciWakeChannel: `${p}:ci-wake`,
    /** A freeze set by a person (or an alert or a release) on an env. */
    freeze: (app: string, env: string) => `${p}:freeze:${app}:${env}`,
    freezeSeq: `${p}:freeze:seq`,
    /** The alerts firing on the env (HASH: alert key -> JSON {name, summary, since}): its alert freeze lifts when the last is resolved. */
    freezeAlerts: (app: string, env: string) => `${p}:freeze:${app}:${env}:alerts`,
    /** People who asked to be told when the env's freeze lifts. */
    freezeNotify: (app: string, env: string) => `${p}:freeze:${app}:${env}:notify`,
    /** A Slack user group's members as last fetched (SET), kept a day as a fallback for when Slack fails. */
    usergroup: (id: string) => `${p}:usergroup:${id}`,
    /** Present (5 min) while the group's members are fresh; its value is when they were fetched. */
    usergroupFresh: (id: string) => `${p}:usergroup:${id}:fresh`,
    /** Held by the one process fetching the group from Slack, so replicas make one call between them. */
    usergroupFetch: (id: string) => `${p}:usergroup:${id}:fetch`,
    /** The audit log: newest first, one list for everything, per env and per person. */
    auditAll: `${p}:audit:all`,
    auditEnv: (app: string, env: string) => `${p}:audit:env:${app}:${env}`,
    auditUser: (user: string) => `${p}:audit:user:${user}`,
    ...releaseKeys(p),
    /** Slack user IDs found for commit emails (users.lookupByEmail), '-' for none; cached. */
    personByEmail: (email: string) => `${p}:person:${email}`,
    /** The newest push (GitHub's pushed_at, seconds) an env's auto deploys have taken. */
    autoPushedAt: (app: string, env: string) => `${p}:env:${app}:${env}:pushed-at`,
    /** The live workers of a worker pool (ZSET worker name -> when its announcement lapses, ms; src/store/worker-pools.ts). */
    workerPool: (pool: string) => `${p}:workers:pool:${pool}`,
    /** The live workers that take every pool (started without FERRY_WORKER_POOLS): the same. */
    workerPoolEvery: `${p}:workers:every`,
    /** The deploys noted as waiting for a worker of a pool (SET of ids; pool-note.lua keeps it). */
    workerPoolNoted: (pool: string) => `${p}:workers:noted:${pool}`,
    ...reviewKeys(p),
    ...deliveryKeys(p),
    /** BullMQ's own prefix, so its keys sit beside Ferry's (in the same hash slot on a cluster: BullMQ's docs ask for a tagged prefix). */
    bullPrefix: `${p}:q`,
  };
}

/** A release's keys (under `<prefix>:release:`). */
function releaseKeys(p: string) {
  return {
    releaseSeq: `${p}:release:seq`,
    /** A release's record (HASH); its acks, approvals and holds are hashes beside it, its commits a JSON string. */
    release: (id: number) => `${p}:release:${id}`,
    /** release(id) is this prefix and the id, releaseCommits(id) that and ":commits" (release-create.lua builds both). */
    releasePrefix: `${p}:release:`,
    releaseAcks: (id: number) => `${p}:release:${id}:acks`,
    releaseApprovals: (id: number) => `${p}:release:${id}:approvals`,
    releaseHolds: (id: number) => `${p}:release:${id}:holds`,
    releaseCommits: (id: number) => `${p}:release:${id}:commits`,
    /** The DMs a release sent its authors (HASH: Slack user -> "channel ts"), to update when it ends. */
    releaseDms: (id: number) => `${p}:release:${id}:dms`,
    /** The open release to an app's env (one at a time): its id. */
    releaseOpen: (app: string, env: string) => `${p}:release:open:${app}:${env}`,
    /** Open releases whose source is this env (SET of ids): a deploy there makes them stale. */
    releaseBySource: (app: string, env: string) => `${p}:release:source:${app}:${env}`,
    /** releaseBySource(app, env) is this prefix and "<app>:<env>" (release-create.lua appends them). */
    releaseBySourcePrefix: `${p}:release:source:`,
  };
}

/** The delivery figures' history and the nudges' keys (docs/delivery-figures.md, docs/nudges.md). */
function deliveryKeys(p: string) {
  return {
    /** The env's deploys that ended succeeded or failed (ZSET id -> finishedAt, trimmed to delivery_retention): the delivery figures' index. */
    deliveryFinished: (app: string, env: string) => `${p}:delivery:${app}:${env}:finished`,
    /** When alerts froze the env (ZSET freeze token -> since, trimmed to delivery_retention): failures for the time to restore. */
    deliveryAlerts: (app: string, env: string) => `${p}:delivery:${app}:${env}:alerts`,
    /** The commits a successful deploy first carried to its env (JSON [[sha, author time, subject]], written once by the after-deploy job). */
    deployCarried: (id: number) => `${p}:deploy:${id}:carried`,
    /** An app's last nudge message (HASH: what waited, its channel and ts; src/store/nudges.ts). */
    nudge: (app: string) => `${p}:nudge:${app}`,
    /** Slack users who asked not to be mentioned in nudges (SET; `/deploys nudges off`). */
    nudgeOptOut: `${p}:nudge-optout`,
  };
}

/** Review apps' keys (under `<prefix>:review:<app>:`; a PR's number can't be `live` or `line`). */
function reviewKeys(p: string) {
  return {
    /** A pull request's review app (HASH; src/store/review-apps.ts). */
    reviewApp: (app: string, pr: number) => `${p}:review:${app}:${pr}`,
    /** reviewApp(app, pr) is this prefix and the PR's number (review-admit.lua and review-free.lua append them). */
    reviewAppPrefix: (app: string) => `${p}:review:${app}:`,
    /** The app's review apps that hold a place (ZSET PR -> when it got it): at most review_apps.max. */
    reviewLive: (app: string) => `${p}:review:${app}:live`,
    /** Review apps waiting for a place, first come first (ZSET PR -> when it arrived). */
    reviewLine: (app: string) => `${p}:review:${app}:line`,
    /** Every review app Ferry keeps a record of (ZSET PR -> when it last changed): listing, reconciling, trimming. */
    reviewKnown: (app: string) => `${p}:review:${app}:known`,
  };
}

export type Keys = ReturnType<typeof keys>;
