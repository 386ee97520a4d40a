import type { FerryConfig } from '../../src/core/config/types';
import { DEPLOY_USAGE, type DeployParse, deployHelp, LOG_USAGE, parseDeploy } from '../../src/core/parse/deploy';
import type { Parse } from '../../src/core/parse/target';
import { parseConfig } from '../../src/config/load';
import { oneApp, twoApps } from './fixtures';

/** The error message of a parse, failing the test when the parse did not fail. */
function errorOf<T>(p: Parse<T> | DeployParse): string {
  if (p.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message;
}

describe('/deploy with one app', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test('env and ref, app left out', () => {
    expect(parseDeploy('dev feature/checkout', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', ref: 'feature/checkout' } });
  });

  test('app named explicitly', () => {
    expect(parseDeploy('web staging v1.2.3', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'staging', ref: 'v1.2.3' } });
  });

  test('a full SHA is an acceptable ref', () => {
    const sha = 'a'.repeat(40);
    expect(parseDeploy(`dev ${sha}`, config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', ref: sha } });
  });

  test("the app's default branch is deployed when the ref is left out", () => {
    expect(parseDeploy('dev', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', ref: 'trunk' } });
    expect(parseDeploy('web production', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'production', ref: 'trunk' } });
  });

  test('extra whitespace between and around words is ignored', () => {
    expect(parseDeploy('  dev \t  feature/x  ', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'dev', ref: 'feature/x' } });
  });

  test.each(['help', 'HELP', '--help', '-h', '?'])('`%s` asks for help', (text) => {
    expect(parseDeploy(text, config)).toEqual({ kind: 'help' });
  });

  test('help text lists the apps, their envs and default branch, and says the app may be left out', () => {
    const help = deployHelp(config);
    expect(help).toContain(DEPLOY_USAGE);
    expect(help).toContain('`web`: dev, staging, production (default ref `trunk`)');
    expect(help).toContain('you can leave `app` out');
  });

  test.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['missing', undefined],
  ])('%s text asks what to do and shows the usage', (_, text) => {
    expect(errorOf(parseDeploy(text, config))).toBe(`Tell me what to do. Usage: ${DEPLOY_USAGE}`);
  });

  test('an unknown env names the app, suggests the closest env and lists them all', () => {
    const msg = errorOf(parseDeploy('stagign feature/x', config));
    expect(msg).toContain('`web` has no environment `stagign`.');
    expect(msg).toContain('Did you mean `staging`?');
    expect(msg).toContain('It has `dev`, `staging`, `production`.');
    expect(msg).toContain(DEPLOY_USAGE);
  });

  test('an env prefix suggests the full name', () => {
    expect(errorOf(parseDeploy('web prod', config))).toContain('Did you mean `production`?');
  });

  test('swapped letters in an env name (`dve`) suggest the env', () => {
    expect(errorOf(parseDeploy('dve', config))).toContain('Did you mean `dev`?');
  });

  test('an unknown env with nothing close lists the envs without a guess', () => {
    const msg = errorOf(parseDeploy('qa', config));
    expect(msg).not.toContain('Did you mean');
    expect(msg).toContain('It has `dev`, `staging`, `production`.');
  });

  test('the app name alone asks which environment', () => {
    expect(errorOf(parseDeploy('web', config))).toBe(
      `Which environment of \`web\`? It has \`dev\`, \`staging\`, \`production\`. Usage: ${DEPLOY_USAGE}`,
    );
  });

  test.each(['constructor', 'toString', 'valueOf'])(
    'a word that is a JavaScript object property (`%s`) is refused as an unknown env',
    (word) => {
      let result: DeployParse | undefined;
      expect(() => {
        result = parseDeploy(word, config);
      }).not.toThrow();
      expect(errorOf(result!)).toContain(`\`web\` has no environment \`${word}\``);
    },
  );

  test('env names are matched exactly; a different case gets a suggestion', () => {
    expect(errorOf(parseDeploy('DEV', config))).toContain('Did you mean `dev`?');
  });
});

describe('/deploy with two apps', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = twoApps();
  });

  test('app, env and ref', () => {
    expect(parseDeploy('api dev hotfix/login', config)).toEqual({ kind: 'ok', value: { app: 'api', env: 'dev', ref: 'hotfix/login' } });
  });

  test("each app's own default branch is used", () => {
    expect(parseDeploy('api production', config)).toEqual({ kind: 'ok', value: { app: 'api', env: 'production', ref: 'develop' } });
    expect(parseDeploy('web production', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'production', ref: 'main' } });
  });

  test('env without app asks which app and names the apps that have that env', () => {
    const msg = errorOf(parseDeploy('dev feature/x', config));
    expect(msg).toContain('Which app?');
    expect(msg).toContain('`web`, `api` have `dev`');
  });

  test("the example in the 'Which app?' answer is one well-formed code span", () => {
    const msg = errorOf(parseDeploy('dev feature/x', config));
    expect(msg).toBe('Which app? `web`, `api` have `dev`; e.g. `/deploy web dev`.');
  });

  test('env only one app has still asks, naming that app', () => {
    const msg = errorOf(parseDeploy('staging', config));
    expect(msg).toContain('Which app? `web` has `staging`');
  });

  test('an unknown app lists the apps and shows the usage', () => {
    const msg = errorOf(parseDeploy('mobile dev', config));
    expect(msg).toContain('There is no app `mobile`.');
    expect(msg).toContain('Apps: `web`, `api`.');
    expect(msg).toContain(DEPLOY_USAGE);
  });

  test('an app typo one letter off is suggested', () => {
    expect(errorOf(parseDeploy('wep dev', config))).toContain('Did you mean `web`?');
    expect(errorOf(parseDeploy('ap dev', config))).toContain('Did you mean `api`?');
  });

  test('an app typo with swapped letters (`wbe`) is suggested', () => {
    expect(errorOf(parseDeploy('wbe dev', config))).toContain('There is no app `wbe`. Did you mean `web`?');
  });

  test("an unknown env of a named app suggests and lists that app's envs", () => {
    const msg = errorOf(parseDeploy('api stagin', config));
    expect(msg).toContain('`api` has no environment `stagin`.');
    expect(msg).toContain('It has `dev`, `production`.');
  });

  test('the app name alone asks which of its environments', () => {
    expect(errorOf(parseDeploy('api', config))).toContain('Which environment of `api`? It has `dev`, `production`.');
  });

  test('help text gives a two-app example and every app', () => {
    const help = deployHelp(config);
    expect(help).toContain('Example: `/deploy web dev my-branch`');
    expect(help).toContain('`api`: dev, production (default ref `develop`)');
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a word that is a JavaScript object property (`%s`) is an unknown app, not a crash',
    (word) => {
      let result: DeployParse | undefined;
      expect(() => {
        result = parseDeploy(`${word} dev main`, config);
      }).not.toThrow();
      expect(errorOf(result!)).toContain(`There is no app \`${word}\``);
    },
  );
});

describe('/deploy refuses refs and text that could do harm, and says why', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test('more than one ref', () => {
    const msg = errorOf(parseDeploy('dev feature/x feature/y', config));
    expect(msg).toBe(
      `I don't know what to do with \`feature/y\`: a deploy takes one ref, then optionally \`override &lt;reason&gt;\`. Usage: ${DEPLOY_USAGE}`,
    );
  });

  test('a ref with spaces is read as extra words', () => {
    expect(errorOf(parseDeploy('dev my branch name', config))).toContain(
      "I don't know what to do with `branch name`: a deploy takes one ref, then optionally",
    );
  });

  test('a shell substitution with spaces is refused as extra words', () => {
    expect(parseDeploy('dev $(rm -rf /)', config).kind).toBe('error');
  });

  test('text over 300 characters says how long it was and the limit', () => {
    const text = `dev ${'a'.repeat(297)}`; // 301
    expect(errorOf(parseDeploy(text, config))).toBe(`That is 301 characters; a command here is at most 300. Usage: ${DEPLOY_USAGE}`);
  });

  test('exactly 300 characters is still read (and the over-long ref refused by its own rule)', () => {
    const msg = errorOf(parseDeploy(`dev ${'a'.repeat(296)}`, config));
    expect(msg).toContain('that ref is 296 characters long; refs here are at most 200');
  });

  test('`;` is named as the bad character', () => {
    const msg = errorOf(parseDeploy('dev main;reboot', config));
    expect(msg).toBe("Can't deploy that ref: `main;reboot` contains `;`; refs may only use letters, digits and `.` `_` `-` `/`.");
  });

  test('`$(...)` names each bad character once', () => {
    const msg = errorOf(parseDeploy('dev $(reboot)', config));
    expect(msg).toContain('contains `$` `(` `)`;');
  });

  test('backticks are refused and do not break the message formatting', () => {
    const msg = errorOf(parseDeploy('dev `whoami`', config));
    expect(msg).toContain('contains "`"');
    // The echoed ref has its backticks replaced, so the code span stays closed.
    expect(msg).toContain("`'whoami'`");
  });

  test('a leading `-` would be an option to git', () => {
    const msg = errorOf(parseDeploy('dev --upload-pack=x', config));
    expect(msg).toContain('starts with `-`, which git would read as an option');
  });

  test('a leading `-` is refused even when the rest is harmless', () => {
    expect(errorOf(parseDeploy('dev -main', config))).toContain('starts with `-`');
  });

  test('`..` is a range, not a ref', () => {
    expect(errorOf(parseDeploy('dev main..feature', config))).toContain('contains `..`, which is a range, not one ref');
  });

  test('a `.lock` suffix is not a valid ref name', () => {
    expect(errorOf(parseDeploy('dev feature.lock', config))).toContain('is not a valid git ref name');
  });

  test('a misplaced `/` is refused', () => {
    expect(errorOf(parseDeploy('dev feature//x', config))).toContain('misplaced `/`');
    expect(errorOf(parseDeploy('dev /etc', config))).toContain('misplaced `/`');
  });

  test('Slack-escaped text like a channel mention is refused as a ref', () => {
    expect(errorOf(parseDeploy('dev <!channel>', config))).toContain('contains `&lt;` `!` `&gt;`');
  });

  test('a message about a bad ref never repeats more than 60 characters of it', () => {
    const ref = `x;${'y'.repeat(150)}`;
    const msg = errorOf(parseDeploy(`dev ${ref}`, config));
    expect(msg).toContain(`\`${ref.slice(0, 57)}...\``);
    expect(msg).not.toContain('y'.repeat(60));
  });
});

describe('what a person typed is shown, never interpreted', () => {
  test('an unknown app with Slack markup is echoed escaped, inside one code span', () => {
    const config = twoApps();
    const r = parseDeploy('<!channel> dev', config);
    expect(r).toMatchObject({ kind: 'error' });
    const message = (r as { message: string }).message;
    expect(message).toContain('There is no app `&lt;!channel&gt;`');
    expect(message).not.toContain('<!channel>');
  });

  test('extra words with a backtick cannot close the code span early', () => {
    const config = twoApps();
    const message = (parseDeploy('web dev main <@U1>', config) as { message: string }).message;
    expect(message).toContain('`&lt;@U1&gt;` contains `&lt;` `@` `&gt;`');
    expect(message).not.toContain('<@U1>');
    const backtick = (parseDeploy('web dev main `rm`', config) as { message: string }).message;
    expect(backtick).toContain('`\'rm\'` contains "`"');
  });
});

describe('the most dangerous problem is named first', () => {
  test.each([
    ['dev ;rm -rf', '`;rm` contains `;`'],
    ['dev main ;rm -rf', '`;rm` contains `;`'],
    ['dev main -rf', '`-rf` starts with `-`'],
    ['dev --upload-pack=x extra', '`--upload-pack=x` starts with `-`'],
    ['dev $(id) override', '`$(id)` contains `$` `(` `)`'],
    ['dev main extra |cat', '`|cat` contains `|`'],
  ])('/deploy %s names the dangerous word, not the word count', (text, named) => {
    const r = parseDeploy(`web ${text}`, twoApps());
    expect(r).toMatchObject({ kind: 'error' });
    expect((r as { message: string }).message).toContain(named);
    expect((r as { message: string }).message).not.toContain("I don't know what to do with");
  });

  test('a reason after override may say anything', () => {
    expect(parseDeploy('web dev main override fix; the -x flag broke it', twoApps())).toMatchObject({
      kind: 'ok',
      value: { ref: 'main', override: 'fix; the -x flag broke it' },
    });
  });
});

describe('/deploy log <id>', () => {
  test.each(['log 42', 'log #42', 'LOG 42', '  log   42  '])('`%s` asks for the log of deploy 42', (text) => {
    expect(parseDeploy(text, oneApp())).toEqual({ kind: 'log', id: 42 });
    expect(parseDeploy(text, twoApps())).toEqual({ kind: 'log', id: 42 });
  });

  test('without an id it asks which deploy, with an example', () => {
    const msg = errorOf(parseDeploy('log', oneApp()));
    expect(msg).toContain(`Which deploy's log? Usage: ${LOG_USAGE}`);
    expect(msg).toContain('`/deploy log 42`');
  });

  test.each(['abc', '0', '#', '4.2', '-3', '#x1', '1234567890123456'])('`log %s` says it is not a deploy id', (id) => {
    const msg = errorOf(parseDeploy(`log ${id}`, oneApp()));
    expect(msg).toContain("is not a deploy id; use the number from the deploy's feed message");
  });

  test('extra words are refused', () => {
    expect(errorOf(parseDeploy('log 42 please', oneApp()))).toContain("I don't know what to do with `please`");
  });

  test('help mentions it', () => {
    expect(deployHelp(oneApp())).toContain(`*Log:* ${LOG_USAGE}`);
  });

  test('an env or app name that merely starts with log still deploys', () => {
    const config = parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      logs:\n        deploy: [x.sh]\n',
      '/srv/ferry/ferry.yml',
    );
    expect(parseDeploy('logs 42', config)).toEqual({ kind: 'ok', value: { app: 'web', env: 'logs', ref: '42' } });
  });
});

describe('/deploy … override <reason> starts outside the deploy window, with the reason recorded', () => {
  let config: FerryConfig;
  beforeAll(() => {
    config = oneApp();
  });

  test('after a ref', () => {
    expect(parseDeploy('dev feature/x override hotfix for checkout', config)).toEqual({
      kind: 'ok',
      value: { app: 'web', env: 'dev', ref: 'feature/x', override: 'hotfix for checkout' },
    });
  });

  test('without a ref: the default branch', () => {
    expect(parseDeploy('dev OVERRIDE customer demo', config)).toEqual({
      kind: 'ok',
      value: { app: 'web', env: 'dev', ref: 'trunk', override: 'customer demo' },
    });
  });

  test('without a reason: refused with an example', () => {
    const msg = errorOf(parseDeploy('dev feature/x override', config));
    expect(msg).toContain('An override needs a reason');
    expect(msg).toContain('`/deploy web dev feature/x override hotfix for the checkout outage`');
  });

  test('a branch named override is deployed by its full name', () => {
    expect(parseDeploy('dev refs/heads/override', config)).toEqual({
      kind: 'ok',
      value: { app: 'web', env: 'dev', ref: 'refs/heads/override' },
    });
  });

  test('words between the ref and override are refused', () => {
    expect(errorOf(parseDeploy('dev feature/x now override because', config))).toContain(
      "I don't know what to do with `now override because`",
    );
  });
});
