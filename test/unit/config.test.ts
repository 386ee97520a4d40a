import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childBaseEnv, githubWebUrl, readEnv, requireSlack } from '../../src/config/env';
import { loadConfig, parseConfig } from '../../src/config/load';
import { type FerryError, isFerryError } from '../../src/errors';
import { GOVERNED_YAML, ONE_APP_YAML } from './fixtures';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/bin/ferry.js');

/** The FerryError a function throws, failing the test when it throws nothing or something else. */
function ferryErrorOf(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    if (isFerryError(err)) return err;
    throw new Error(`expected a FerryError, got ${String(err)}`);
  }
  throw new Error('expected a FerryError, but nothing was thrown');
}

/** A config with one app whose dev env has the given extra lines (indented under dev). */
function withDev(lines: string): string {
  return `
feed_channel: C0FEED
apps:
  web:
    path: ../web
    environments:
      dev:
${lines
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;
}

describe('parseConfig resolves paths against the config file', () => {
  const dir = '/srv/ferry';
  const file = path.join(dir, 'ferry.yml');

  test('relative path, deploy program with a slash, and workspace_dir are made absolute; a bare program name stays for PATH', () => {
    const c = parseConfig(
      `
feed_channel: C0FEED
workspace_dir: work/checkouts
apps:
  web:
    path: ../repos/web
    environments:
      dev:
        deploy: [commands/deploy.sh, --verbose, ./not-a-program-arg]
      staging:
        deploy: [bash, -c, 'echo hi']
      production:
        deploy: [/usr/local/bin/ship]
`,
      file,
    );
    expect(c.file).toBe(file);
    expect(c.workspaceDir).toBe('/srv/ferry/work/checkouts');
    const web = c.apps.web!;
    expect(web.path).toBe('/srv/repos/web');
    expect(web.cloneUrl).toBe('/srv/repos/web');
    expect(web.envs.dev!.deploy).toEqual(['/srv/ferry/commands/deploy.sh', '--verbose', './not-a-program-arg']);
    expect(web.envs.staging!.deploy).toEqual(['bash', '-c', 'echo hi']);
    expect(web.envs.production!.deploy).toEqual(['/usr/local/bin/ship']);
  });

  test('defaults: workspace, prefix, durations, lock off, fail on a lost worker, default branch main', () => {
    const c = parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      dev:\n        deploy: [x/y.sh]\n',
      file,
    );
    expect(c.workspaceDir).toBe('/srv/ferry/.ferry/work');
    expect(c.redisPrefix).toBe('ferry');
    expect(c.lockReminderMs).toBe(15 * 60_000);
    expect(c.leaseTtlMs).toBe(20_000);
    expect(c.shutdownGraceMs).toBe(5 * 60_000);
    expect(c.logLines).toBe(5_000);
    expect(c.logLinkTtlMs).toBe(7 * 86_400_000);
    expect(c.appNames).toEqual(['web']);
    const web = c.apps.web!;
    expect(web.defaultBranch).toBe('main');
    expect(web.envNames).toEqual(['dev']);
    expect(web.envs.dev).toEqual({
      name: 'dev',
      deploy: ['/srv/ferry/x/y.sh'],
      lock: false,
      lockTtlMs: 4 * 3_600_000,
      timeoutMs: 30 * 60_000,
      onWorkerLost: 'fail',
      passEnv: [],
      pool: 'default',
      permissions: {},
      // No smoke check, nobody told, no promotion.
      smokeTimeoutMs: 5 * 60_000,
      owners: [],
      onSmokeFailure: [],
      promote: 'manual',
      // No required checks; a deploy waiting for them would wait 30 minutes at most.
      checksTimeoutMs: 30 * 60_000,
      // Releases to an env ask every author and wait for Ship, remind twice 4h apart, expire after 3 days.
      release: {
        ship: 'button',
        freezeSource: false,
        approvers: [],
        selfApproval: true,
        unmapped: 'none',
        remindAfterMs: 4 * 3_600_000,
        remindEveryMs: 4 * 3_600_000,
        reminders: 2,
        expireAfterMs: 3 * 86_400_000,
      },
    });
    expect(c.admins).toEqual([]);
    expect(c.people).toEqual({});
  });

  test('envs keep the order of the file (it is the pipeline order)', () => {
    const c = parseConfig(ONE_APP_YAML, file);
    expect(c.apps.web!.envNames).toEqual(['dev', 'staging', 'production']);
    expect(c.apps.web!.envs.dev).toMatchObject({ lock: true, lockTtlMs: 8 * 3_600_000 });
  });

  test('a GitHub repo clones from the GitHub web URL given; clone_url overrides it and may be a relative path', () => {
    const yaml = (extra: string) =>
      `feed_channel: C0FEED\napps:\n  api:\n    repo: acme/api\n${extra}    environments:\n      dev:\n        deploy: [bash]\n`;
    expect(parseConfig(yaml(''), file, 'https://ghe.example.com/').apps.api!.cloneUrl).toBe('https://ghe.example.com/acme/api.git');
    expect(parseConfig(yaml(''), file).apps.api!.repo).toBe('acme/api');
    expect(parseConfig(yaml('    clone_url: ssh://git@ghe/acme/api.git\n'), file).apps.api!.cloneUrl).toBe('ssh://git@ghe/acme/api.git');
    expect(parseConfig(yaml('    clone_url: ../mirror/api.git\n'), file).apps.api!.cloneUrl).toBe('/srv/mirror/api.git');
  });
});

describe('parseConfig errors name the key path, what was found and the fix', () => {
  const file = '/srv/ferry/ferry.yml';
  const problems = (yaml: string) => ferryErrorOf(() => parseConfig(yaml, file));

  test('a lock_ttl that is not a duration', () => {
    const err = problems(withDev('deploy: [x.sh]\nlock_ttl: 4 hours'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${file} has 1 problem:`);
    expect(err.message).toContain('apps.web.environments.dev.lock_ttl: "4 hours" is not a duration; use e.g. 30m, 4h, 2d');
  });

  test("pass_env may not hand Ferry's own tokens to deploy commands", () => {
    const err = problems(withDev('deploy: [x.sh]\npass_env: [AWS_PROFILE, GITHUB_TOKEN]'));
    expect(err.message).toContain('apps.web.environments.dev.pass_env.1: found "GITHUB_TOKEN"; is one of Ferry\'s own secrets');
  });

  test.each([
    ['30s', 'must be at least 1m'],
    ['91d', 'must be at most 90d'],
    ['a week', 'is not a duration'],
  ])('log_link_ttl: %s is refused (%s)', (ttl, why) => {
    const err = problems(`log_link_ttl: ${ttl}\n${withDev('deploy: [x.sh]')}`);
    expect(err.message).toContain('log_link_ttl: ');
    expect(err.message).toContain(`"${ttl}"`);
    expect(err.message).toContain(why);
  });

  test('log_link_ttl within bounds is read', () => {
    expect(parseConfig(`log_link_ttl: 90d\n${withDev('deploy: [x.sh]')}`, file).logLinkTtlMs).toBe(90 * 86_400_000);
    expect(parseConfig(`log_link_ttl: 1m\n${withDev('deploy: [x.sh]')}`, file).logLinkTtlMs).toBe(60_000);
  });

  test('delivery_retention keeps 180 days unless set, and at least 90', () => {
    expect(parseConfig(withDev('deploy: [x.sh]'), file).deliveryRetentionMs).toBe(180 * 86_400_000);
    expect(parseConfig(`delivery_retention: 365d\n${withDev('deploy: [x.sh]')}`, file).deliveryRetentionMs).toBe(365 * 86_400_000);
    const err = problems(`delivery_retention: 30d\n${withDev('deploy: [x.sh]')}`);
    expect(err.message).toContain('delivery_retention: ');
    expect(err.message).toContain('must be at least 90d');
  });

  test('`log` is reserved as an env or app name, because `/deploy log <id>` asks for a log', () => {
    const env = problems('feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      log:\n        deploy: [x.sh]\n');
    expect(env.message).toContain(
      'apps.web.environments.log: "log" is not a valid name; is reserved: `log` and `cancel` are words of /deploy (`/deploy log <id>` asks for a deploy\'s log, `/deploy cancel <id>` cancels one); call it something else, e.g. logs or logging',
    );
    const app = problems('feed_channel: C0FEED\napps:\n  log:\n    path: .\n    environments:\n      dev:\n        deploy: [x.sh]\n');
    expect(app.message).toContain('apps.log: "log" is not a valid name; is reserved');
    expect(
      parseConfig('feed_channel: C0FEED\napps:\n  logs:\n    path: .\n    environments:\n      logging:\n        deploy: [x.sh]\n', file)
        .appNames,
    ).toEqual(['logs']);
  });

  test('`cancel` is reserved too, because `/deploy cancel <id>` cancels a deploy; the message names both words', () => {
    const env = problems('feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      cancel:\n        deploy: [x.sh]\n');
    expect(env.message).toContain(
      'apps.web.environments.cancel: "cancel" is not a valid name; is reserved: `log` and `cancel` are words of /deploy',
    );
    expect(env.message).toContain('`/deploy cancel <id>` cancels one); call it something else, e.g. cancellations');
    const app = problems('feed_channel: C0FEED\napps:\n  cancel:\n    path: .\n    environments:\n      dev:\n        deploy: [x.sh]\n');
    expect(app.message).toContain('apps.cancel: "cancel" is not a valid name; is reserved');
    expect(
      parseConfig(
        'feed_channel: C0FEED\napps:\n  cancels:\n    path: .\n    environments:\n      cancelled:\n        deploy: [x.sh]\n',
        file,
      ).appNames,
    ).toEqual(['cancels']);
  });

  test('a lease_ttl under 3s is refused', () => {
    const err = problems(`lease_ttl: 1s\n${withDev('deploy: [x.sh]')}`);
    expect(err.message).toContain('lease_ttl');
    expect(err.message).toContain('must be at least 3s');
  });

  test('an unknown key (typo) names the key and where it is', () => {
    const err = problems(withDev('deploy: [x.sh]\nlokc: true'));
    expect(err.message).toContain('apps.web.environments.dev: unknown key lokc; check the spelling against ferry.example.yml');
  });

  test('an unknown top-level key', () => {
    expect(problems(`${ONE_APP_YAML}\nfeed_chanel: C0FEED\n`).message).toContain('(top level): unknown key feed_chanel');
  });

  test('a missing deploy command', () => {
    const err = problems(withDev('lock: true'));
    expect(err.message).toMatch(
      /apps\.web\.environments\.dev: needs a way to deploy: deploy: \[commands\/deploy\.sh\] \(a command\), or one of github_actions:/,
    );
  });

  test('deploy as a shell string instead of a list', () => {
    const err = problems(withDev('deploy: ./deploy.sh --prod'));
    expect(err.message).toContain(
      'apps.web.environments.dev.deploy: found "./deploy.sh --prod"; must be a list of arguments run without a shell',
    );
  });

  test('an empty deploy list', () => {
    expect(problems(withDev('deploy: []')).message).toContain('apps.web.environments.dev.deploy: needs at least the program to run');
  });

  test('both repo and path', () => {
    const err = problems(`
feed_channel: C0FEED
apps:
  web:
    repo: acme/web
    path: ../web
    environments:
      dev:
        deploy: [x.sh]
`);
    expect(err.message).toContain('apps.web: needs exactly one of repo (GitHub owner/name) or path (a local git repository)');
  });

  test('neither repo nor path', () => {
    const err = problems('feed_channel: C0FEED\napps:\n  web:\n    environments:\n      dev:\n        deploy: [x.sh]\n');
    expect(err.message).toContain('apps.web: needs exactly one of repo');
  });

  test('a #channel name instead of a channel ID', () => {
    const err = problems(ONE_APP_YAML.replace('feed_channel: C0FEED', 'feed_channel: "#deploys"'));
    expect(err.message).toContain('feed_channel: found "#deploys"; must be a Slack channel ID like C0123DEPLOYS (not a #name)');
  });

  test('a missing feed_channel', () => {
    expect(problems(ONE_APP_YAML.replace('feed_channel: C0FEED', '')).message).toMatch(/feed_channel: is required/);
  });

  test('a bad on_worker_lost value shows what was found', () => {
    expect(problems(withDev('deploy: [x.sh]\non_worker_lost: ignore')).message).toContain(
      'apps.web.environments.dev.on_worker_lost: found "ignore"; must be fail or retry',
    );
  });

  test('an env name with capitals says what names may contain', () => {
    const err = problems('feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      Dev:\n        deploy: [x.sh]\n');
    expect(err.message).toContain('names use lower-case letters, digits, - and _');
  });

  test('every problem is listed, not just the first', () => {
    const err = problems(`
feed_channel: "#deploys"
apps:
  web:
    path: ../web
    environments:
      dev:
        deploy: [x.sh]
        lock_ttl: 4 hours
        lokc: true
`);
    expect(err.message).toContain('has 3 problems:');
    expect(err.message).toContain('feed_channel: found "#deploys"');
    expect(err.message).toContain('lock_ttl: "4 hours" is not a duration');
    expect(err.message).toContain('unknown key lokc');
  });

  test('no apps', () => {
    expect(problems('feed_channel: C0FEED\napps: {}\n').message).toContain('apps: needs at least one app');
  });

  test('an empty file', () => {
    expect(problems('').message).toContain('(top level)');
  });

  test('invalid YAML names the file and the YAML error', () => {
    const err = problems('feed_channel: C0FEED\napps:\n  web: [unclosed\n');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${file} is not valid YAML:`);
    expect(err.message.split('\n').length).toBeGreaterThan(1);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('resolves paths against the folder of the file, wherever the process runs', () => {
    const sub = path.join(dir, 'conf');
    mkdirSync(sub, { recursive: true });
    const file = path.join(sub, 'ferry.yml');
    writeFileSync(file, ONE_APP_YAML);
    const c = loadConfig(path.relative(process.cwd(), file));
    expect(c.file).toBe(file);
    expect(c.apps.web!.path).toBe(path.join(dir, 'repos/web'));
    expect(c.apps.web!.envs.dev!.deploy?.[0]).toBe(path.join(sub, 'commands/deploy.sh'));
    expect(c.workspaceDir).toBe(path.join(sub, '.ferry/work'));
  });

  test('a missing file says so, with the absolute path and how to make one', () => {
    const missing = path.join(dir, 'nope.yml');
    const err = ferryErrorOf(() => loadConfig(missing));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `Can't read config ${missing}: no such file. Copy ferry.example.yml to ferry.yml, or set FERRY_CONFIG to your file.`,
    );
  });

  test('a folder instead of a file is a clear error, not a crash', () => {
    const err = ferryErrorOf(() => loadConfig(dir));
    expect(err.message).toContain(`Can't read config ${dir}:`);
  });
});

describe('readEnv', () => {
  test('defaults when nothing is set', () => {
    const e = readEnv({});
    expect(e).toEqual({
      circleciApiUrl: 'https://circleci.com/api/v2',
      slackApiUrl: 'https://slack.com/api/',
      port: 3000,
      portSet: false,
      redis: { kind: 'url', url: 'redis://127.0.0.1:6379' },
      githubApiUrl: 'https://api.github.com',
      configFile: 'ferry.yml',
      logLevel: 'info',
      workerPools: { kind: 'every' },
      processEnv: {},
    });
  });

  test('reads every documented variable, trimming whitespace', () => {
    const e = readEnv({
      SLACK_BOT_TOKEN: ' xoxb-1 ',
      SLACK_SIGNING_SECRET: 'sig',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      PORT: '8080',
      REDIS_URL: 'redis://r:6380',
      GITHUB_TOKEN: 'ghp_x',
      GITHUB_API_URL: 'http://127.0.0.1:10',
      FERRY_CONFIG: 'conf/ferry.yml',
      LOG_LEVEL: 'debug',
    });
    expect(e).toMatchObject({
      slackBotToken: 'xoxb-1',
      slackSigningSecret: 'sig',
      slackAppToken: 'xapp-1',
      slackApiUrl: 'http://127.0.0.1:9/api/',
      port: 8080,
      redis: { kind: 'url', url: 'redis://r:6380' },
      githubToken: 'ghp_x',
      githubApiUrl: 'http://127.0.0.1:10',
      configFile: 'conf/ferry.yml',
      logLevel: 'debug',
    });
  });

  test('blank variables count as unset', () => {
    const e = readEnv({ SLACK_BOT_TOKEN: '   ', REDIS_URL: '', PORT: '' });
    expect(e.slackBotToken).toBeUndefined();
    expect(e.redis).toEqual({ kind: 'url', url: 'redis://127.0.0.1:6379' });
    expect(e.port).toBe(3000);
  });

  test.each(['abc', '70000', '-1', '80.5'])('PORT=%s is refused with an example', (port) => {
    const err = ferryErrorOf(() => readEnv({ PORT: port }));
    expect(err.code).toBe('ENV_MISSING');
    expect(err.message).toBe(`PORT=${JSON.stringify(port)} is not a port number; use e.g. PORT=3000.`);
  });

  test('FERRY_PUBLIC_URL: an http(s) base URL, trailing slashes dropped, a path prefix kept', () => {
    expect(readEnv({ FERRY_PUBLIC_URL: 'https://ferry.acme.com/' }).publicUrl).toBe('https://ferry.acme.com');
    expect(readEnv({ FERRY_PUBLIC_URL: ' http://127.0.0.1:3000 ' }).publicUrl).toBe('http://127.0.0.1:3000');
    expect(readEnv({ FERRY_PUBLIC_URL: 'https://acme.com/ferry//' }).publicUrl).toBe('https://acme.com/ferry');
    expect(readEnv({ FERRY_PUBLIC_URL: '' }).publicUrl).toBeUndefined();
  });

  test.each([
    ['ferry.acme.com', 'is not a URL'],
    ['ftp://ferry.acme.com', 'must start with http:// or https://'],
    ['https://ferry.acme.com/?x=1', 'may not have a query'],
    ['https://ferry.acme.com/#top', 'may not have a query, a #fragment'],
    ['https://user:pw@ferry.acme.com', 'or credentials'],
  ])('FERRY_PUBLIC_URL=%s is refused, saying what a right value looks like', (v, why) => {
    const err = ferryErrorOf(() => readEnv({ FERRY_PUBLIC_URL: v }));
    expect(err.code).toBe('ENV_MISSING');
    expect(err.message).toContain(`FERRY_PUBLIC_URL=${JSON.stringify(v)}`);
    expect(err.message).toContain(why);
    expect(err.message).toContain('e.g. FERRY_PUBLIC_URL=https://ferry.acme.com');
  });

  test('FERRY_LINK_SECRET must be at least 32 characters', () => {
    expect(readEnv({ FERRY_LINK_SECRET: 'x'.repeat(32) }).linkSecret).toBe('x'.repeat(32));
    const err = ferryErrorOf(() => readEnv({ FERRY_LINK_SECRET: 'short-secret' }));
    expect(err.code).toBe('ENV_MISSING');
    expect(err.message).toBe(
      'FERRY_LINK_SECRET is 12 characters; it signs deploy log links and must be at least 32. Make one with `openssl rand -base64 32`, or unset it and Ferry keeps a random one in Redis.',
    );
    expect(err.message).not.toContain('short-secret');
  });

  test('GitHub web URL from the API URL', () => {
    expect(githubWebUrl('https://api.github.com')).toBe('https://github.com');
    expect(githubWebUrl('https://api.github.com/')).toBe('https://github.com');
    expect(githubWebUrl('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
  });

  test('child processes get only the base variables and the ones passed by name', () => {
    const base = childBaseEnv(
      { PATH: '/bin', HOME: '/home/f', SLACK_BOT_TOKEN: 'xoxb-secret', AWS_PROFILE: 'dev', GITHUB_TOKEN: 'ghp_x' },
      ['AWS_PROFILE'],
    );
    expect(base).toEqual({ PATH: '/bin', HOME: '/home/f', AWS_PROFILE: 'dev' });
  });
});

describe('requireSlack', () => {
  test('the app role with nothing set names every missing variable and where to get it', () => {
    const err = ferryErrorOf(() => requireSlack(readEnv({}), 'app'));
    expect(err.code).toBe('ENV_MISSING');
    const first = err.message.split('\n')[0]!;
    expect(first).toContain('SLACK_BOT_TOKEN');
    expect(first).toContain('SLACK_SIGNING_SECRET');
    expect(err.message).toContain('manifest.yml');
  });

  test('the app role with only the bot token asks for the signing secret (or app token) only', () => {
    const err = ferryErrorOf(() => requireSlack(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1' }), 'app'));
    const first = err.message.split('\n')[0]!;
    expect(first).toBe("Ferry can't start: missing SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode).");
  });

  test('HTTP mode: bot token and signing secret are enough', () => {
    expect(requireSlack(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }), 'app')).toEqual({ token: 'xoxb-1' });
  });

  test('Socket Mode: with SLACK_APP_TOKEN the signing secret is not required', () => {
    expect(requireSlack(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }), 'app')).toEqual({ token: 'xoxb-1' });
  });

  test('a worker needs only the bot token', () => {
    expect(requireSlack(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1' }), 'worker')).toEqual({ token: 'xoxb-1' });
    const first = ferryErrorOf(() => requireSlack(readEnv({}), 'worker')).message.split('\n')[0]!;
    expect(first).toBe("Ferry can't start: missing SLACK_BOT_TOKEN.");
  });
});

describe('ferry check (the CLI)', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build (npm test builds it)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-check-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function check(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'check', ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  test('a good file: exit 0 and a summary of apps and envs', async () => {
    const file = path.join(dir, 'good.yml');
    writeFileSync(file, ONE_APP_YAML);
    const r = await check(file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file} is valid.\n  web: dev, staging, production\n`);
  });

  test('an env of a worker pool other than the default is listed with its pool', async () => {
    const file = path.join(dir, 'pools.yml');
    writeFileSync(file, ONE_APP_YAML.replace('--careful]', '--careful]\n        pool: prod'));
    const r = await check(file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file} is valid.\n  web: dev, staging, production (pool prod)\n`);
  });

  test('a bad file: exit 1 and the problems on stderr', async () => {
    const file = path.join(dir, 'bad.yml');
    writeFileSync(file, withDev('deploy: [x.sh]\nlock_ttl: 4 hours'));
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('apps.web.environments.dev.lock_ttl: "4 hours" is not a duration; use e.g. 30m, 4h, 2d');
  });

  test('a missing file: exit 1 and how to make one', async () => {
    const r = await check(path.join(dir, 'missing.yml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such file. Copy ferry.example.yml to ferry.yml');
  });

  test('without an argument it checks ferry.yml in the current folder', async () => {
    writeFileSync(path.join(dir, 'ferry.yml'), ONE_APP_YAML);
    const r = await check();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${path.join(dir, 'ferry.yml')} is valid.`);
  });
});

describe('time_zone, freezes and deploy windows', () => {
  const file = '/srv/ferry/ferry.yml';
  const utc = (text: string): number => Date.parse(`${text}Z`);
  const problems = (yaml: string) => ferryErrorOf(() => parseConfig(yaml, file));
  /** One app `web` (dev, production) with the given top-level lines before `apps:`. */
  const withTop = (lines: string): string => `feed_channel: C0FEED
${lines.trim()}
apps:
  web:
    path: ../web
    environments:
      dev:
        deploy: [x.sh]
      production:
        deploy: [x.sh]
`;
  /** As withTop, with one freeze whose keys are the given lines. */
  const withFreeze = (lines: string): string => withTop(`freezes:\n  - ${lines.trim().split('\n').join('\n    ')}`);

  test('read from the governed fixture: zone, weekly and one-off freezes, windows per env with their zones', () => {
    const c = parseConfig(GOVERNED_YAML, file);
    expect(c.timeZone).toBe('Europe/London');
    expect(c.freezes).toEqual([
      {
        name: 'weekend',
        reason: 'no deploys at weekends',
        tz: 'Europe/London',
        weekly: { startDay: 4, startMinute: 960, endDay: 0, endMinute: 480 },
        apps: ['web'],
        envs: ['production'],
      },
      // London is on GMT in late November: local times equal UTC.
      {
        name: 'black-friday',
        reason: 'peak trading',
        tz: 'Europe/London',
        start: utc('2026-11-27T00:00'),
        end: utc('2026-11-30T08:00'),
        apps: ['*'],
        envs: ['*'],
      },
    ]);
    expect(c.apps.web!.envs.production!.window).toEqual({
      spans: [0, 1, 2, 3].map((d) => ({ startDay: d, startMinute: 570, endDay: d, endMinute: 1020 })),
      tz: 'Europe/London',
      text: 'Mon-Thu 09:30-17:00',
    });
    expect(c.apps.api!.envs.production!.window).toMatchObject({ tz: 'America/New_York', text: 'daily 22:00-02:00' });
    expect(c.apps.api!.envs.production!.window!.spans).toHaveLength(7);
    expect(c.apps.web!.envs.dev!.window).toBeUndefined();
  });

  test('defaults: UTC and no freezes', () => {
    const c = parseConfig(ONE_APP_YAML, file);
    expect(c.timeZone).toBe('UTC');
    expect(c.freezes).toEqual([]);
  });

  test('a zone written in lower case is spelled as the zone spells itself', () => {
    expect(parseConfig(withTop('time_zone: europe/london'), file).timeZone).toBe('Europe/London');
  });

  test("a freeze's own time_zone reads its start and end; a list of windows is joined", () => {
    const c = parseConfig(
      `${withFreeze('name: sale\nreason: sale\nstart: 2026-11-27 00:00\nend: 2026-11-27T12:30\ntime_zone: America/New_York')}`.replace(
        '      production:\n        deploy: [x.sh]',
        '      production:\n        deploy: [x.sh]\n        window: [Mon-Thu 09:30-17:00, Fri 09:30-12:00]',
      ),
      file,
    );
    expect(c.freezes[0]).toMatchObject({ tz: 'America/New_York', start: utc('2026-11-27T05:00'), end: utc('2026-11-27T17:30') });
    expect(c.apps.web!.envs.production!.window).toMatchObject({ text: 'Mon-Thu 09:30-17:00, Fri 09:30-12:00', tz: 'UTC' });
    expect(c.apps.web!.envs.production!.window!.spans.map((s) => s.startDay)).toEqual([0, 1, 2, 3, 4]);
  });

  test('an unknown time zone, with a suggestion', () => {
    expect(problems(withTop('time_zone: Europe/Londn')).message).toContain(
      'time_zone: "Europe/Londn" is not a time zone; did you mean Europe/London? use an IANA time zone such as Europe/London, America/New_York or UTC',
    );
  });

  test('a misspelt day in every', () => {
    expect(problems(withFreeze('name: weekend\nreason: weekend\nevery: Fry 16:00 to Mon 08:00')).message).toContain(
      'freezes.0.every: "Fry 16:00 to Mon 08:00": "Fry" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun',
    );
  });

  test('a bad window names the env and, in a list, the item', () => {
    expect(problems(withDev('deploy: [x.sh]\nwindow: Mon-Thu 09:30-09:30')).message).toContain(
      'apps.web.environments.dev.window: "Mon-Thu 09:30-09:30" opens and closes at 09:30; a window needs a length, e.g. Mon-Thu 09:30-17:00',
    );
    expect(problems(withDev('deploy: [x.sh]\nwindow: [Mon-Thu 09:30-17:00, Fri 25:00-12:00]')).message).toContain(
      'apps.web.environments.dev.window.1: "Fri 25:00-12:00": "25:00" is not a time; use 24-hour HH:MM, e.g. 09:30',
    );
    expect(problems(withDev('deploy: [x.sh]\nwindow: 9')).message).toContain(
      'apps.web.environments.dev.window: must be a window such as Mon-Thu 09:30-17:00, or a list of them',
    );
  });

  test('an env time_zone is checked too', () => {
    expect(problems(withDev('deploy: [x.sh]\nwindow: daily 09:00-17:00\ntime_zone: Mars/Olympus')).message).toContain(
      'apps.web.environments.dev.time_zone: "Mars/Olympus" is not a time zone;',
    );
  });

  test('a freeze needs every, or start and end, but not both', () => {
    expect(problems(withFreeze('name: x\nreason: y')).message).toContain(
      'freezes.0: needs every (weekly, e.g. every: Fri 16:00 to Mon 08:00) or start and end (one-off',
    );
    expect(problems(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\nstart: 2026-11-27 00:00')).message).toContain(
      'freezes.0: has both every and start/end; a freeze is either weekly (every: Fri 16:00 to Mon 08:00) or one-off (start and end)',
    );
    expect(problems(withFreeze('name: x\nreason: y\nstart: 2026-11-27 00:00')).message).toContain(
      'freezes.0.end: is required with start: when the freeze ends, e.g. 2026-11-30 08:00',
    );
    expect(problems(withFreeze('name: x\nreason: y\nend: 2026-11-27 00:00')).message).toContain(
      'freezes.0.start: is required with end: when the freeze begins',
    );
  });

  test('an end not after the start, and a date that does not exist', () => {
    expect(
      problems(
        withTop(
          'time_zone: Europe/London\n' + 'freezes:\n  - name: x\n    reason: y\n    start: 2026-11-27 00:00\n    end: 2026-11-26 00:00',
        ),
      ).message,
    ).toContain('freezes.0.end: found "2026-11-26 00:00"; must be after start (2026-11-27 00:00 Europe/London)');
    expect(problems(withFreeze('name: x\nreason: y\nstart: 2026-11-31 00:00\nend: 2026-12-01 00:00')).message).toContain(
      'freezes.0.start: "2026-11-31 00:00": 2026-11-31 is not a date (write YYYY-MM-DD HH:MM, e.g. 2026-11-27 09:00)',
    );
  });

  test('apps and environments a freeze names must exist; the answer names what does', () => {
    expect(problems(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\napps: [wbe]')).message).toContain(
      'freezes.0.apps.0: there is no app "wbe"; did you mean web? apps: web',
    );
    expect(problems(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\nenvironments: [dev, prod]')).message).toContain(
      'freezes.0.environments.1: there is no environment "prod"; did you mean production? the apps have dev, production',
    );
    expect(problems(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\napps: [web]\nenvironments: [all]')).message).toContain(
      'freezes.0.environments.0: there is no environment "all"; leave environments out for every environment; web has dev, production',
    );
    expect(problems(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\napps: []')).message).toContain(
      'freezes.0.apps: list at least one app, or leave the key out for every app',
    );
  });

  test('"*" means every env, as leaving environments out does', () => {
    expect(
      parseConfig(withFreeze('name: x\nreason: y\nevery: Fri 16:00 to Mon 08:00\nenvironments: ["*"]'), file).freezes[0]!.envs,
    ).toEqual(['*']);
  });

  test('a freeze needs a name and a reason, each name once', () => {
    expect(problems(withFreeze('name: x\nevery: Fri 16:00 to Mon 08:00')).message).toContain(
      'freezes.0.reason: is required (every freeze needs a reason, e.g. no deploys at weekends',
    );
    expect(problems(withFreeze('name: x\nreason: "  "\nevery: Fri 16:00 to Mon 08:00')).message).toContain(
      'freezes.0.reason: found "  "; may not be empty: say why',
    );
    const twice = withTop(
      'freezes:\n  - { name: x, reason: a, every: Fri 16:00 to Mon 08:00 }\n  - { name: x, reason: b, every: Sat 00:00 to Sun 00:00 }',
    );
    expect(problems(twice).message).toContain('freezes.1.name: "x" is also the name of freezes.0; give each freeze its own name');
  });

  test('an unknown key in a freeze', () => {
    expect(problems(withFreeze('name: x\nreason: y\nevry: Fri 16:00 to Mon 08:00')).message).toContain(
      'freezes.0: unknown key evry; check the spelling against ferry.example.yml',
    );
  });

  test('`all` is reserved as an env or app name, because `/freeze all` means every env', () => {
    const env = problems('feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      all:\n        deploy: [x.sh]\n');
    expect(env.message).toContain(
      'apps.web.environments.all: "all" is not a valid name; is reserved: `/freeze all` means every environment; call it something else',
    );
  });
});

describe('admins and permissions', () => {
  const file = '/srv/ferry/ferry.yml';
  const problems = (yaml: string) => ferryErrorOf(() => parseConfig(yaml, file)).message;
  const prod = (perms: string, top = '') => `${top}feed_channel: C0FEED
apps:
  web:
    path: .
    environments:
      dev:
        deploy: [x.sh]
      production:
        deploy: [x.sh]
        permissions:
${perms
  .trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
`;

  test('lists are read per env (repeats dropped); envs without them have none; admins at the top', () => {
    const c = parseConfig(
      prod('deploy: [S0RELEASERS, U0ANA, U0ANA]\noverride: [U0LEAD]', 'admins: [U0123ADMIN, W0GRID, S0OPSGROUP]\n'),
      file,
    );
    expect(c.admins).toEqual(['U0123ADMIN', 'W0GRID', 'S0OPSGROUP']);
    expect(c.apps.web!.envs.production!.permissions).toEqual({ deploy: ['S0RELEASERS', 'U0ANA'], override: ['U0LEAD'] });
    expect(c.apps.web!.envs.dev!.permissions).toEqual({});
  });

  test.each([
    ['"@alice"', 'apps.web.environments.production.permissions.deploy.1: "@alice" is a Slack name, not an ID', 'Copy member ID'],
    [
      '"#ops"',
      'apps.web.environments.production.permissions.deploy.1: "#ops" is a channel; permissions name people and user groups, not channels',
      "user group's ID (S…",
    ],
    ['C0OPS', '"C0OPS" is a channel', 'Copy member ID'],
    ['alice@acme.com', '"alice@acme.com" is an email address', 'Copy member ID'],
    ['u0ana', '"u0ana": Slack IDs are upper case; write U0ANA', ''],
    ['"<@U0ANA>"', '"<@U0ANA>" is a Slack mention; write just the ID inside it', ''],
    ['alice', '"alice" is not a Slack user or user group ID', 'profile -> ⋮ -> Copy member ID'],
  ])('a permissions entry %s is refused with how to find the ID', (entry, message, hint) => {
    const m = problems(prod(`deploy: [S0RELEASERS, ${entry}]`));
    expect(m).toContain(message);
    expect(m).toContain(hint);
  });

  test('an unquoted @name, which YAML itself refuses, gets the same hint', () => {
    const m = problems(prod('deploy: [@alice]'));
    expect(m).toContain('is not valid YAML');
    expect(m).toContain(
      "admins: and permissions: take Slack IDs, not @names: use the person's member ID (in Slack: their profile -> ⋮ -> Copy member ID)",
    );
  });

  test('admins entries are checked the same way', () => {
    expect(problems(prod('deploy: [U0ANA]', 'admins: [U0ADMIN, "@bob"]\n'))).toContain('admins.1: "@bob" is a Slack name, not an ID');
  });

  test('an unknown action, an empty list and a list that is not a list', () => {
    expect(problems(prod('rollback: [U0ANA]'))).toContain('apps.web.environments.production.permissions: unknown key rollback');
    expect(problems(prod('lock: []'))).toContain(
      'apps.web.environments.production.permissions.lock: is empty; list who may lock this env (user IDs U…, user group IDs S…), or leave the key out to let everyone',
    );
    expect(problems(prod('deploy: U0ANA'))).toContain(
      'apps.web.environments.production.permissions.deploy: found "U0ANA"; must be a list of Slack user IDs',
    );
  });
});

describe('exclusive_groups', () => {
  const file = '/srv/ferry/ferry.yml';
  const problems = (yaml: string) => ferryErrorOf(() => parseConfig(yaml, file)).message;
  /** Apps shop, payments, search and admin (each with staging), and the given exclusive_groups lines. */
  const withGroups = (lines: string): string => `feed_channel: C0FEED
exclusive_groups:
${lines
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
apps:
${['shop', 'payments', 'search', 'admin'].map((a) => `  ${a}:\n    path: ../${a}\n    environments:\n      staging:\n        deploy: [x.sh]`).join('\n')}
`;

  test('read in file order; a group without a name is called by its apps joined with +; every app in a group knows it', () => {
    const c = parseConfig(withGroups('- name: storefront\n  apps: [shop, payments]\n- apps: [search, admin]'), file);
    expect(c.exclusiveGroups).toEqual([
      { name: 'storefront', apps: ['shop', 'payments'] },
      { name: 'search+admin', apps: ['search', 'admin'] },
    ]);
    expect({ ...c.exclusiveGroupOf }).toEqual({
      shop: 'storefront',
      payments: 'storefront',
      search: 'search+admin',
      admin: 'search+admin',
    });
    expect(c.exclusiveGroupOf.constructor).toBeUndefined();
  });

  test('default: no groups, every app deploys on its own', () => {
    const c = parseConfig(ONE_APP_YAML, file);
    expect(c.exclusiveGroups).toEqual([]);
    expect({ ...c.exclusiveGroupOf }).toEqual({});
  });

  test('an unknown app, with a suggestion and the apps there are', () => {
    expect(problems(withGroups('- name: storefront\n  apps: [shop, paymnts]'))).toContain(
      'exclusive_groups.0.apps.1: there is no app "paymnts"; did you mean payments? apps: shop, payments, search, admin',
    );
    expect(problems(withGroups('- apps: [shop, billing]'))).toContain(
      'exclusive_groups.0.apps.1: there is no app "billing"; apps: shop, payments, search, admin',
    );
  });

  test('at least two apps, each listed once', () => {
    expect(problems(withGroups('- name: storefront\n  apps: [shop]'))).toContain(
      'exclusive_groups.0.apps: list at least two apps: deploys of one app to an env already run one at a time',
    );
    expect(problems(withGroups('- name: storefront\n  apps: [shop, shop]'))).toContain(
      'exclusive_groups.0.apps.1: "shop" is listed twice in this group; list each app once',
    );
    expect(problems(withGroups('- name: storefront'))).toContain(
      'exclusive_groups.0.apps: is required (must be a list of app names, e.g. [shop, payments])',
    );
  });

  test('an app in two groups: says which, and how to merge them', () => {
    expect(problems(withGroups('- name: storefront\n  apps: [shop, payments]\n- name: back-office\n  apps: [admin, payments]'))).toContain(
      'exclusive_groups.1.apps.1: "payments" is also in exclusive_groups.0 (storefront); an app may be in one exclusive group only, so merge the two groups into one (apps: [shop, payments, admin])',
    );
    expect(problems(withGroups('- apps: [shop, payments]\n- apps: [shop, search]'))).toContain(
      'exclusive_groups.1.apps.0: "shop" is also in exclusive_groups.0 (shop+payments);',
    );
  });

  test('group names are unique and written like app names', () => {
    expect(problems(withGroups('- name: storefront\n  apps: [shop, payments]\n- name: storefront\n  apps: [search, admin]'))).toContain(
      'exclusive_groups.1.name: "storefront" is also the name of exclusive_groups.0 (storefront); give each group its own name',
    );
    expect(problems(withGroups('- name: Store Front\n  apps: [shop, payments]'))).toContain(
      'exclusive_groups.0.name: found "Store Front"; group names use lower-case letters, digits, - and _ (at most 40), e.g. storefront',
    );
  });

  test("ferry.example.yml's commented example, uncommented, is valid", () => {
    const example = readFileSync(path.join(ROOT, 'ferry.example.yml'), 'utf8');
    const block = /^# exclusive_groups:\n(?:# {3}.*\n)+/m.exec(example)![0].replace(/^# ?/gm, '');
    const c = parseConfig(withGroups('- apps: [search, admin]').replace(/exclusive_groups:\n.*\n/, block), file);
    expect(c.exclusiveGroups).toEqual([{ name: 'storefront', apps: ['shop', 'payments'] }]);
  });

  test('ferry check lists the groups after the apps', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build (npm test builds it)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-check-'));
    try {
      const yml = path.join(dir, 'ferry.yml');
      writeFileSync(yml, withGroups('- name: storefront\n  apps: [shop, payments]\n- apps: [search, admin]'));
      const out = execFileSync(process.execPath, [CLI, 'check', yml], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
        encoding: 'utf8',
      });
      expect(out).toBe(
        `${yml} is valid.\n  shop: staging\n  payments: staging\n  search: staging\n  admin: staging\nexclusive groups (one deploy at a time per env):\n  storefront: shop, payments\n  search+admin: search, admin\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown key, and a list that is not a list', () => {
    expect(problems(withGroups('- name: storefront\n  apps: [shop, payments]\n  environments: [staging]'))).toContain(
      'exclusive_groups.0: unknown key environments; check the spelling against ferry.example.yml',
    );
    expect(
      problems(
        'feed_channel: C0FEED\nexclusive_groups: shop\napps:\n  shop:\n    path: .\n    environments:\n      dev:\n        deploy: [x.sh]\n',
      ),
    ).toContain(
      'exclusive_groups: found "shop"; must be a list of groups, each with apps (and an optional name), e.g. [{ name: storefront, apps: [shop, payments] }]',
    );
  });
});
