import { keys } from '../../src/store/keys';

/** Every key a Keys object names, with sample ids, apps and envs. */
function allKeys(k: ReturnType<typeof keys>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(k)) {
    if (typeof v === 'string') out[name] = v;
    else out[name] = v.length === 2 ? (v as (a: string, b: string) => string)('web', 'dev') : (v as (a: string | number) => string)(7);
  }
  return out;
}

/** The hash tag Redis Cluster hashes a key by: between the first `{` and the first `}` after it, if not empty. */
function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : undefined;
}

// Today's names, exactly: an installation on one Redis (or Sentinel) keeps its data across the upgrade.
const TODAY: Record<string, string> = {
  prefix: 'ferry',
  deploySeq: 'ferry:deploy:seq',
  deployPrefix: 'ferry:deploy:',
  deploy: 'ferry:deploy:7',
  deployMetrics: 'ferry:deploy:7:metrics',
  deployLog: 'ferry:deploy:7:log',
  deployLogCount: 'ferry:deploy:7:log:count',
  deployGitHub: 'ferry:deploy:7:github',
  deployGitHubLock: 'ferry:deploy:7:github:lock',
  githubOutbox: 'ferry:github:outbox',
  githubWriteSlot: 'ferry:github:write-slot',
  linkSecret: 'ferry:link-secret',
  idempotency: 'ferry:idem:7',
  envState: 'ferry:env:web:dev',
  envDurations: 'ferry:env:web:dev:durations',
  envDeploys: 'ferry:env:web:dev:deploys',
  autoDeploy: 'ferry:env:web:dev:auto',
  githubDelivery: 'ferry:github:delivery:7',
  lock: 'ferry:lock:web:dev',
  lockSeq: 'ferry:lock:seq',
  waitlist: 'ferry:waitlist:web:dev',
  lease: 'ferry:lease:group:shop:dev',
  leaseLine: 'ferry:lease:group:shop:dev:line',
  leaseLineSeen: 'ferry:lease:group:shop:dev:line:seen',
  leaseCi: 'ferry:lease:group:shop:dev:ci',
  fenceSeq: 'ferry:lease:fence',
  cancelChannel: 'ferry:cancel',
  ciWakeChannel: 'ferry:ci-wake',
  freeze: 'ferry:freeze:web:dev',
  freezeSeq: 'ferry:freeze:seq',
  freezeAlerts: 'ferry:freeze:web:dev:alerts',
  freezeNotify: 'ferry:freeze:web:dev:notify',
  usergroup: 'ferry:usergroup:7',
  usergroupFresh: 'ferry:usergroup:7:fresh',
  usergroupFetch: 'ferry:usergroup:7:fetch',
  auditAll: 'ferry:audit:all',
  auditEnv: 'ferry:audit:env:web:dev',
  auditUser: 'ferry:audit:user:7',
  releaseSeq: 'ferry:release:seq',
  release: 'ferry:release:7',
  releasePrefix: 'ferry:release:',
  releaseAcks: 'ferry:release:7:acks',
  releaseApprovals: 'ferry:release:7:approvals',
  releaseHolds: 'ferry:release:7:holds',
  releaseCommits: 'ferry:release:7:commits',
  releaseDms: 'ferry:release:7:dms',
  releaseOpen: 'ferry:release:open:web:dev',
  releaseBySource: 'ferry:release:source:web:dev',
  releaseBySourcePrefix: 'ferry:release:source:',
  personByEmail: 'ferry:person:7',
  autoPushedAt: 'ferry:env:web:dev:pushed-at',
  workerPool: 'ferry:workers:pool:7',
  workerPoolEvery: 'ferry:workers:every',
  workerPoolNoted: 'ferry:workers:noted:7',
  reviewApp: 'ferry:review:web:dev',
  reviewAppPrefix: 'ferry:review:7:',
  reviewLive: 'ferry:review:7:live',
  reviewLine: 'ferry:review:7:line',
  reviewKnown: 'ferry:review:7:known',
  deliveryFinished: 'ferry:delivery:web:dev:finished',
  deliveryAlerts: 'ferry:delivery:web:dev:alerts',
  deployCarried: 'ferry:deploy:7:carried',
  nudge: 'ferry:nudge:7',
  nudgeOptOut: 'ferry:nudge-optout',
  bullPrefix: 'ferry:q',
};

const GROUPS = { web: 'shop' };

test("outside a cluster every key is named exactly as before: Ferry's prefix, no hash tag", () => {
  expect(allKeys(keys('ferry', GROUPS))).toEqual(TODAY);
  expect(allKeys(keys('ferry', GROUPS, { hashTag: false }))).toEqual(TODAY);
});

test('on a cluster every key, BullMQ prefix included, carries the one hash tag {<redis_prefix>}', () => {
  const tagged = allKeys(keys('ferry', GROUPS, { hashTag: true }));
  expect(Object.keys(tagged)).toEqual(Object.keys(TODAY));
  for (const [name, key] of Object.entries(tagged)) {
    // the same name as before, the prefix wrapped in braces
    expect(key).toBe(TODAY[name]!.replace(/^ferry/, '{ferry}'));
    expect(hashTagOf(key)).toBe('ferry');
  }
  // BullMQ's own keys start with its prefix: `<prefix>:<queue>:<id or kind>`.
  const k = keys('ferry', {}, { hashTag: true });
  for (const bull of [`${k.bullPrefix}:deploy.web.dev:wait`, `${k.bullPrefix}:timers:42`]) expect(hashTagOf(bull)).toBe('ferry');
  // several instances on one cluster: one tag (and one slot) each
  expect(hashTagOf(keys('ferry-staging', {}, { hashTag: true }).deploySeq)).toBe('ferry-staging');
});
