import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import { parseRelease, RELEASE_USAGE, releaseHelp } from '../../src/core/parse/release';
import { commitsOf, groupAuthors, isBot, loginOfNoreplyEmail } from '../../src/core/release/authors';
import { approvalCounts, releaseState } from '../../src/core/release/state';
import type { Author, Commit, Release, ReleasePolicy } from '../../src/core/release/types';
import { DEPLOY_TYPES, fieldsFromState, HOLD_REASON_MAX, holdReasonFromState, viewOrigin } from '../../src/core/release/views';
import { FerryError, isFerryError } from '../../src/errors';

const FILE = '/srv/ferry/ferry.yml';

/**
 * web: dev, staging, production (promote_from: staging); api: dev, production (no promote_from);
 * shop: staging, eu and us (both promoted from staging); chain: dev -> qa -> live.
 */
const PIPELINES_YAML = `
feed_channel: C0FEED
apps:
  web:
    path: ../repos/web
    environments:
      dev: { deploy: [d.sh] }
      staging: { deploy: [d.sh] }
      production: { deploy: [d.sh], promote_from: staging }
  api:
    repo: acme/api
    environments:
      dev: { deploy: [d.sh] }
      production: { deploy: [d.sh] }
  shop:
    path: ../repos/shop
    environments:
      staging: { deploy: [d.sh] }
      eu: { deploy: [d.sh], promote_from: staging }
      us: { deploy: [d.sh], promote_from: staging }
  chain:
    path: ../repos/chain
    environments:
      dev: { deploy: [d.sh] }
      qa: { deploy: [d.sh], promote_from: dev }
      live: { deploy: [d.sh], promote_from: qa }
`;

const ONE_APP_YAML = `
feed_channel: C0FEED
apps:
  web:
    path: ../repos/web
    environments:
      staging: { deploy: [d.sh] }
      production: { deploy: [d.sh], promote_from: staging }
`;

const pipelines = (): FerryConfig => parseConfig(PIPELINES_YAML, FILE);

function ok(text: string, config: FerryConfig = pipelines()) {
  const p = parseRelease(text, config);
  if (p.kind !== 'ok') throw new Error(`expected ok for ${JSON.stringify(text)}, got ${JSON.stringify(p)}`);
  return p.value;
}

function error(text: string, config: FerryConfig = pipelines()): string {
  const p = parseRelease(text, config);
  if (p.kind !== 'error') throw new Error(`expected an error for ${JSON.stringify(text)}, got ${JSON.stringify(p)}`);
  return p.message;
}

describe('parseRelease', () => {
  test('the app alone: the target is its env with promote_from, the source what that env names', () => {
    expect(ok('web')).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: false });
  });

  test('with one app, the app may be left out: no text at all, or just the envs', () => {
    const one = parseConfig(ONE_APP_YAML, FILE);
    expect(ok('', one)).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: false });
    expect(ok('   ', one)).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: false });
    expect(ok('production', one)).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: false });
    expect(ok('staging production force', one)).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: true });
  });

  test('one env with promote_from is the target', () => {
    expect(ok('web production')).toMatchObject({ from: 'staging', to: 'production' });
    expect(ok('chain live')).toMatchObject({ from: 'qa', to: 'live' });
    // qa is promoted from dev and feeds live: having promote_from, it is the target.
    expect(ok('chain qa')).toMatchObject({ from: 'dev', to: 'qa' });
  });

  test('one env without promote_from is the source of the one env promoted from it', () => {
    expect(ok('web staging')).toMatchObject({ from: 'staging', to: 'production' });
    expect(ok('chain dev')).toMatchObject({ from: 'dev', to: 'qa' });
  });

  test('one env nobody is promoted from, or several are: where does it go?', () => {
    expect(error('web dev')).toBe(
      'Where does `dev` go? No env names it in `promote_from`, and it has none itself. Name both, `/release web &lt;from-env&gt; &lt;to-env&gt;`, or set `promote_from` on the target env in the config.',
    );
    expect(error('shop staging')).toContain('Where does `staging` go? `eu`, `us` are promoted from it.');
  });

  test('two envs are from and to, as written, whatever promote_from says', () => {
    expect(ok('web dev staging')).toEqual({ kind: 'open', app: 'web', from: 'dev', to: 'staging', force: false });
    expect(ok('api dev production')).toEqual({ kind: 'open', app: 'api', from: 'dev', to: 'production', force: false });
    expect(ok('web production staging')).toMatchObject({ from: 'production', to: 'staging' });
  });

  test('the same env twice is refused, with the configured pipeline as the example', () => {
    expect(error('web staging staging')).toBe(
      'A release goes from one env to another; both are `staging`. e.g. `/release web staging production`',
    );
  });

  test('force, last, opens a diverged release; anywhere else it is an env name', () => {
    expect(ok('web force')).toEqual({ kind: 'open', app: 'web', from: 'staging', to: 'production', force: true });
    expect(ok('web staging production force')).toMatchObject({ force: true });
    expect(ok('web production force')).toMatchObject({ from: 'staging', to: 'production', force: true });
    expect(error('web force production')).toContain('`web` has no environment `force`.');
  });

  test('cancel <id>, with or without #', () => {
    expect(ok('cancel 12')).toEqual({ kind: 'cancel', id: 12 });
    expect(ok('cancel #7')).toEqual({ kind: 'cancel', id: 7 });
    for (const bad of ['cancel', 'cancel twelve', 'cancel 12 13', 'cancel -1', 'cancel 1234567890']) {
      expect(error(bad)).toBe("Say which release to cancel by its number, e.g. `/release cancel 12` (it is on the release's message).");
    }
  });

  test('an unknown app: the closest one, and every app', () => {
    expect(error('wbe')).toBe(
      `There is no app \`wbe\`. Did you mean \`web\`? Apps: \`web\`, \`api\`, \`shop\`, \`chain\`. Usage: ${RELEASE_USAGE}`,
    );
    expect(error('zzzzzz')).toBe(`There is no app \`zzzzzz\`. Apps: \`web\`, \`api\`, \`shop\`, \`chain\`. Usage: ${RELEASE_USAGE}`);
    expect(error('')).toBe(`Which app? Apps: \`web\`, \`api\`, \`shop\`, \`chain\`. Usage: ${RELEASE_USAGE}`);
  });

  test('an unknown env: the closest one, and the app’s envs', () => {
    expect(error('web prodution')).toBe(
      `\`web\` has no environment \`prodution\`. Did you mean \`production\`? It has \`dev\`, \`staging\`, \`production\`. Usage: ${RELEASE_USAGE}`,
    );
    expect(error('web dev nowhere')).toContain('`web` has no environment `nowhere`. It has');
  });

  test('an app whose target is not clear from the config asks for both envs', () => {
    expect(error('api')).toBe(
      'Which release of `api`? No env of it has `promote_from`. Name both, `/release api &lt;from-env&gt; &lt;to-env&gt;`, or set `promote_from` on the target env in the config.',
    );
    expect(error('shop')).toContain('Which release of `shop`? `eu`, `us` all have `promote_from`.');
    expect(error('chain')).toContain('`qa`, `live` all have `promote_from`');
  });

  test('more than two envs, and text that is too long, are refused', () => {
    expect(error('web dev staging production')).toContain(
      "I don't know what to do with `production`: a release names at most two envs, from and to.",
    );
    expect(error(`web ${'x'.repeat(400)}`)).toMatch(/^That is 404 characters; a command here is at most 300\./);
  });

  test('help: the usage and this config’s own pipelines', () => {
    for (const h of ['help', 'HELP', '-h', '--help', '?']) expect(parseRelease(h, pipelines())).toEqual({ kind: 'help' });
    const help = releaseHelp(pipelines());
    expect(help).toContain(RELEASE_USAGE);
    expect(help).toContain(
      'Releases set up (`promote_from`): `web`: staging → production; `shop`: staging → eu; `shop`: staging → us; `chain`: dev → qa; `chain`: qa → live.',
    );
    expect(help).toContain('`/release cancel <id>`');
    const none = parseConfig(ONE_APP_YAML.replace(', promote_from: staging', ''), FILE);
    expect(releaseHelp(none)).toContain('No env has `promote_from` yet, so name both envs');
  });
});

// ---- authors -----------------------------------------------------------------------------------

let n = 0;
function commit(authorName: string, authorEmail: string, over: Partial<Commit> = {}): Commit {
  n += 1;
  return { sha: n.toString(16).padStart(40, '0'), subject: `change ${n}`, authorName, authorEmail, date: n, ...over };
}

describe('groupAuthors', () => {
  test('commits of one Slack user are one author, whatever emails and names they used; in order of first commit', () => {
    const cs = [
      commit('Ben Okafor', 'ben@work.example'),
      commit('Ana Lima', 'ana@example.com'),
      commit('Ben O.', 'Ben@Home.example'),
      commit('Ana', 'ANA@example.com'),
    ];
    const slack: Record<string, string> = { 'ben@work.example': 'U0BEN', 'ben@home.example': 'U0BEN', 'ana@example.com': 'U0ANA' };
    const { authors, commits } = groupAuthors(cs, (c) => slack[c.authorEmail.toLowerCase()], 'none');
    expect(authors).toEqual([
      { key: 'slack:U0BEN', name: 'Ben Okafor', slack: 'U0BEN', bot: false, commits: 2, ackBy: 'self' },
      { key: 'slack:U0ANA', name: 'Ana Lima', slack: 'U0ANA', bot: false, commits: 2, ackBy: 'self' },
    ]);
    expect(commits.map((c) => c.authorKey)).toEqual(['slack:U0BEN', 'slack:U0ANA', 'slack:U0BEN', 'slack:U0ANA']);
    // The input is left as it was.
    expect(cs.every((c) => c.authorKey === undefined)).toBe(true);
    expect(commitsOf(authors[0]!, commits).map((c) => c.authorName)).toEqual(['Ben Okafor', 'Ben O.']);
  });

  test('without a Slack user: grouped by email (any case), acked by an approver or shown only as `unmapped` says', () => {
    const cs = [commit('Carla Diaz', 'Carla@Example.com'), commit('Carla', 'carla@example.com'), commit('No Email', ''), commit('', '')];
    for (const unmapped of ['approver', 'none'] as const) {
      const { authors } = groupAuthors(cs, () => undefined, unmapped);
      expect(authors).toEqual([
        { key: 'email:carla@example.com', name: 'Carla Diaz', bot: false, commits: 2, ackBy: unmapped },
        { key: 'name:No Email', name: 'No Email', bot: false, commits: 1, ackBy: unmapped },
        { key: 'name:', name: 'unknown', bot: false, commits: 1, ackBy: unmapped },
      ]);
    }
  });

  test('bots (by login, name or email) are bots, acked like any author with no Slack user', () => {
    const cs = [
      commit('dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com', { authorLogin: 'dependabot[bot]' }),
      commit('GitHub Actions', 'actions@github.com', { authorLogin: 'github-actions[bot]' }),
      commit('Renovate', 'bot[bot]@renovate.example'),
    ];
    const { authors } = groupAuthors(cs, () => undefined, 'approver');
    expect(authors.map((a) => [a.name, a.bot, a.ackBy])).toEqual([
      ['dependabot[bot]', true, 'approver'],
      ['GitHub Actions', true, 'approver'],
      ['Renovate', true, 'approver'],
    ]);
    expect(cs.map(isBot)).toEqual([true, true, true]);
    expect(isBot(commit('Bot Tom', 'tom@example.com'))).toBe(false);
  });

  test("GitHub's private noreply email names the login", () => {
    expect(loginOfNoreplyEmail('12345+OctoCat@users.noreply.github.com')).toBe('octocat');
    expect(loginOfNoreplyEmail('octocat@users.noreply.github.com')).toBe('octocat');
    expect(loginOfNoreplyEmail('49699333+dependabot[bot]@users.noreply.github.com')).toBeUndefined();
    expect(loginOfNoreplyEmail('octocat@example.com')).toBeUndefined();
  });
});

// ---- state ---------------------------------------------------------------------------------------

const author = (key: string, ackBy: Author['ackBy'], slack?: string): Author => ({
  key,
  name: key,
  ...(slack && { slack }),
  bot: false,
  commits: 1,
  ackBy,
});

function release(over: Partial<Release> = {}): Release {
  return {
    id: 1,
    shipAttempts: 0,
    app: 'web',
    from: 'staging',
    to: 'production',
    sourceSha: 'a'.repeat(40),
    requester: 'U0REQ',
    createdAt: 0,
    status: 'open',
    commitCount: 3,
    authors: [
      author('slack:U0ANA', 'self', 'U0ANA'),
      author('email:carla@example.com', 'approver'),
      author('email:bot@example.com', 'none'),
    ],
    acks: {},
    approvals: {},
    holds: {},
    fields: {},
    reminders: 0,
    rev: 1,
    ...over,
  };
}

const policy = (over: Partial<Pick<ReleasePolicy, 'approvers' | 'selfApproval'>> = {}) => ({
  approvers: [] as string[],
  selfApproval: true,
  ...over,
});
const acked = { 'slack:U0ANA': { by: 'U0ANA', at: 1 }, 'email:carla@example.com': { by: 'U0ADMIN', at: 2 } };

describe('releaseState and approvalCounts', () => {
  test('waiting: every author who acks (self or approver) and has not; shown-only authors never wait', () => {
    const s = releaseState(release(), policy());
    expect(s.waiting.map((a) => a.key)).toEqual(['slack:U0ANA', 'email:carla@example.com']);
    expect(s.ready).toBe(false);
    const one = releaseState(release({ acks: { 'slack:U0ANA': { by: 'U0ANA', at: 1 } } }), policy());
    expect(one.waiting.map((a) => a.key)).toEqual(['email:carla@example.com']);
  });

  test('ready once every ack is in, with no approver required', () => {
    expect(releaseState(release({ acks: acked }), policy())).toEqual({ ready: true, waiting: [], approverMissing: false, holds: [] });
  });

  test("a required approver: missing until someone approves; the requester's own approval counts only with self_approval", () => {
    const approvers = ['U0REQ', 'S0OPS'];
    expect(releaseState(release({ acks: acked }), policy({ approvers }))).toMatchObject({ ready: false, approverMissing: true });
    const bySelf = release({ acks: acked, approvals: { U0REQ: 5 } });
    expect(releaseState(bySelf, policy({ approvers, selfApproval: true }))).toMatchObject({ ready: true, approverMissing: false });
    expect(releaseState(bySelf, policy({ approvers, selfApproval: false }))).toMatchObject({ ready: false, approverMissing: true });
    const byOther = release({ acks: acked, approvals: { U0REQ: 5, U0OPS: 6 } });
    expect(releaseState(byOther, policy({ approvers, selfApproval: false }))).toMatchObject({ ready: true, approverMissing: false });

    expect(approvalCounts({ requester: 'U0REQ' }, { selfApproval: false }, 'U0REQ')).toBe(false);
    expect(approvalCounts({ requester: 'U0REQ' }, { selfApproval: false }, 'U0OPS')).toBe(true);
    expect(approvalCounts({ requester: 'U0REQ' }, { selfApproval: true }, 'U0REQ')).toBe(true);
  });

  test('holds, oldest first, keep it from being ready', () => {
    const s = releaseState(
      release({ acks: acked, holds: { U0BEN: { reason: 'later', at: 20 }, U0CAT: { reason: 'first', at: 10 } } }),
      policy(),
    );
    expect(s.holds).toEqual([
      { user: 'U0CAT', reason: 'first', at: 10 },
      { user: 'U0BEN', reason: 'later', at: 20 },
    ]);
    expect(s.ready).toBe(false);
  });

  test('a stale release, or one that is not open, is never ready', () => {
    expect(releaseState(release({ acks: acked, stale: { sha: 'b'.repeat(40), at: 1, env: 'staging' } }), policy()).ready).toBe(false);
    for (const status of ['shipping', 'shipped', 'cancelled', 'expired'] as const)
      expect(releaseState(release({ acks: acked, status }), policy()).ready).toBe(false);
  });
});

// ---- views ---------------------------------------------------------------------------------------

describe('the modals’ submissions', () => {
  test('holdReasonFromState: a reason of at least 3 characters, trimmed and clipped; otherwise why not', () => {
    expect(holdReasonFromState({ reason: { reason: { value: '  QA found a bug in #481  ' } } })).toEqual({
      reason: 'QA found a bug in #481',
    });
    const tooShort = { error: 'Say why it must wait (at least a few words), so its authors know what to fix.' };
    const empty: Parameters<typeof holdReasonFromState>[0][] = [
      {},
      { reason: {} },
      { reason: { reason: {} } },
      { reason: { reason: { value: null } } },
      { reason: { reason: { value: '  ab  ' } } },
    ];
    for (const values of empty) {
      expect(holdReasonFromState(values)).toEqual(tooShort);
    }
    const long = holdReasonFromState({ reason: { reason: { value: 'x'.repeat(5_000) } } });
    expect(long).toEqual({ reason: 'x'.repeat(HOLD_REASON_MAX) });
  });

  test('fieldsFromState: set fields trimmed and clipped, empty ones cleared, a deploy type only from the list', () => {
    const f = fieldsFromState({
      description: { description: { value: '  New checkout  ' } },
      version: { version: { value: '   ' } },
      backout: { backout: { value: 'y'.repeat(3_000) } },
      configChanges: { configChanges: { value: null } },
      deployType: { deployType: { selected_option: { value: 'Hotfix' } } },
    });
    expect(f).toEqual({ description: 'New checkout', backout: 'y'.repeat(2_000), deployType: 'Hotfix' });
    expect(DEPLOY_TYPES).toContain('Hotfix');
    expect(fieldsFromState({ deployType: { deployType: { selected_option: { value: 'Anything <!channel>' } } } })).toEqual({});
    expect(fieldsFromState({ deployType: { deployType: { selected_option: null } } })).toEqual({});
    expect(fieldsFromState({})).toEqual({});
  });

  test('viewOrigin: the release id (and the DM it came from); anything else is not ours', () => {
    expect(viewOrigin(JSON.stringify({ id: 12 }))).toEqual({ id: 12 });
    expect(viewOrigin(JSON.stringify({ id: 12, channel: 'DU0ANA', ts: '1700000000.000100' }))).toEqual({
      id: 12,
      channel: 'DU0ANA',
      ts: '1700000000.000100',
    });
    // Junk fields are dropped, not trusted.
    expect(viewOrigin(JSON.stringify({ id: 3, channel: 5, ts: { x: 1 }, extra: 'x' }))).toEqual({ id: 3 });
    for (const junk of [
      undefined,
      '',
      'not json',
      'null',
      '12',
      '[]',
      '"x"',
      '{"id":"12"}',
      '{"id":1.5}',
      '{"id":null}',
      '{}',
      '{"channel":"C1"}',
    ]) {
      expect(viewOrigin(junk)).toBeUndefined();
    }
  });
});

// ---- config --------------------------------------------------------------------------------------

function configError(yaml: string): string {
  try {
    parseConfig(yaml, FILE);
  } catch (err) {
    if (isFerryError(err)) return err.message;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

/** web with staging and production; `production` and `top` are extra YAML lines (production's indented under it). */
function releaseConfig(production: string, top = '', staging = ''): string {
  const indent = (s: string, by: string) =>
    s
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => `${by}${l}`)
      .join('\n');
  return `
feed_channel: C0FEED
${top.trim()}
apps:
  web:
    path: ../repos/web
    environments:
      staging:
        deploy: [d.sh]
${indent(staging, '        ')}
      production:
        deploy: [d.sh]
${indent(production, '        ')}
`;
}

describe('config: promote_from, release: and people:', () => {
  test('a release policy is read with its durations, IDs and channel; people keys are lower-cased', () => {
    const c = parseConfig(
      releaseConfig(
        `
promote_from: staging
release:
  ship: auto
  freeze_source: true
  approvers: [S0RELEASE, U0LEAD, U0LEAD]
  self_approval: false
  unmapped: approver
  remind_after: 30m
  remind_every: 2h
  reminders: 5
  expire_after: 1d
  product_channel: C0PRODUCT
`,
        'people: { OctoCat: U0OCTO, Ana@Example.com: W0ANA }',
      ),
      FILE,
    );
    const prod = c.apps.web!.envs.production!;
    expect(prod.promoteFrom).toBe('staging');
    expect(prod.release).toEqual({
      ship: 'auto',
      freezeSource: true,
      approvers: ['S0RELEASE', 'U0LEAD'],
      selfApproval: false,
      unmapped: 'approver',
      remindAfterMs: 30 * 60_000,
      remindEveryMs: 2 * 3_600_000,
      reminders: 5,
      expireAfterMs: 86_400_000,
      productChannel: 'C0PRODUCT',
    });
    expect(c.apps.web!.envs.staging!.promoteFrom).toBeUndefined();
    expect({ ...c.people }).toEqual({ octocat: 'U0OCTO', 'ana@example.com': 'W0ANA' });
  });

  test('promote_from naming an env the app does not have: the path, the closest env, and the envs', () => {
    const msg = configError(releaseConfig('promote_from: stagign'));
    expect(msg).toContain(`${FILE} has 1 problem:`);
    expect(msg).toContain(
      'apps.web.environments.production.promote_from: there is no env "stagign" in web; did you mean staging? its envs: staging, production',
    );
    expect(configError(releaseConfig('promote_from: qa'))).toContain(
      'apps.web.environments.production.promote_from: there is no env "qa" in web; its envs: staging, production',
    );
  });

  test('promote_from naming the env itself', () => {
    expect(configError(releaseConfig('promote_from: production'))).toContain(
      'apps.web.environments.production.promote_from: found "production"; an env can\'t be promoted from itself; name the env before production, e.g. staging',
    );
  });

  test('release: rules on an env without promote_from', () => {
    expect(configError(releaseConfig('promote_from: staging', '', 'release: { ship: auto }'))).toContain(
      'apps.web.environments.staging.release: release rules need promote_from on the same env (where releases to staging come from), e.g. promote_from: staging',
    );
  });

  test('people: a value that is not a Slack user ID', () => {
    const msg = configError(releaseConfig('promote_from: staging', 'people: { octocat: "@octo", ana@example.com: C0CHANNEL }'));
    expect(msg).toContain('has 2 problems');
    expect(msg).toContain('people.octocat: found "@octo"; must be a Slack user ID (U… or W…), e.g. U0123ABCD');
    expect(msg).toContain('people.ana@example.com: found "C0CHANNEL"; must be a Slack user ID (U… or W…), e.g. U0123ABCD');
  });

  test('release.product_channel as a #name, and other bad release values', () => {
    expect(configError(releaseConfig('promote_from: staging\nrelease: { product_channel: "#product" }'))).toContain(
      'apps.web.environments.production.release.product_channel: found "#product"; must be a Slack channel ID like C0123PRODUCT (not a #name)',
    );
    const msg = configError(
      releaseConfig('promote_from: staging\nrelease: { ship: yes, unmapped: ask, remind_after: soon, approvers: [] , shipp: auto }'),
    );
    expect(msg).toContain('release: unknown key shipp');
    expect(msg).toContain('release.ship: found "yes"; must be auto (ships once every ack is in) or button (waits for Ship)');
    expect(msg).toContain('release.unmapped: found "ask"; must be approver');
    expect(msg).toContain('release.remind_after: "soon" is not a duration');
    expect(msg).toContain('release.approvers: is empty');
  });

  test('unmapped: approver with nobody to approve (no approvers, no admins) is refused; with either it is fine', () => {
    expect(configError(releaseConfig('promote_from: staging\nrelease: { unmapped: approver }'))).toContain(
      'apps.web.environments.production.release.unmapped: found "approver"; nobody could approve for them: list release.approvers here (or admins: at the top), or use unmapped: none',
    );
    expect(
      parseConfig(releaseConfig('promote_from: staging\nrelease: { unmapped: approver, approvers: [S0QA] }'), FILE).apps.web!.envs
        .production!.release.unmapped,
    ).toBe('approver');
    expect(
      parseConfig(releaseConfig('promote_from: staging\nrelease: { unmapped: approver }', 'admins: [U0BOSS]'), FILE).apps.web!.envs
        .production!.release.unmapped,
    ).toBe('approver');
  });

  test('config errors are FerryErrors of kind CONFIG_INVALID', () => {
    try {
      parseConfig(releaseConfig('promote_from: nope'), FILE);
      throw new Error('not refused');
    } catch (err) {
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe('CONFIG_INVALID');
    }
  });
});
