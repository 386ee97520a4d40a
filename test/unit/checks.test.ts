import { parseConfig } from '../../src/config/load';
import { checkList, decideChecks, waitingForChecksText } from '../../src/core/checks';

describe('decideChecks', () => {
  const ok = { context: 'ci/test', state: 'success' };
  test('a list: named checks must exist and be green; others do not matter; a name not reported yet is pending', () => {
    expect(decideChecks(['ci/test'], [ok, { context: 'lint', state: 'failure' }], [])).toEqual({ kind: 'green' });
    expect(decideChecks(['ci/test', 'build'], [ok], [])).toEqual({ kind: 'pending', pending: [{ name: 'build' }] });
    expect(decideChecks(['build'], [], [{ name: 'build', status: 'completed', conclusion: 'neutral' }])).toEqual({ kind: 'green' });
  });
  test('all: every status and check run green (success; neutral or skipped for runs); none at all is pending', () => {
    const runs = [
      { name: 'a', status: 'completed', conclusion: 'success' },
      { name: 'b', status: 'completed', conclusion: 'skipped' },
    ];
    expect(decideChecks('all', [ok], runs)).toEqual({ kind: 'green' });
    expect(decideChecks('all', [], []).kind).toBe('pending');
    expect(decideChecks('all', [ok, { context: 'e2e', state: 'pending' }], runs)).toEqual({ kind: 'pending', pending: [{ name: 'e2e' }] });
  });
  test('failed wins, with links; error, cancelled, timed_out and action_required are failures; in-progress runs are pending', () => {
    const v = decideChecks(
      'all',
      [{ context: 'ci/test', state: 'error', targetUrl: 'https://ci/1' }],
      [
        { name: 'lint', status: 'completed', conclusion: 'timed_out', htmlUrl: 'https://gh/2' },
        { name: 'deploy-preview', status: 'completed', conclusion: 'action_required' },
        { name: 'build', status: 'in_progress', conclusion: null },
      ],
    );
    expect(v).toEqual({
      kind: 'failed',
      failed: [{ name: 'ci/test', url: 'https://ci/1' }, { name: 'lint', url: 'https://gh/2' }, { name: 'deploy-preview' }],
      pending: [{ name: 'build' }],
    });
    expect(checkList((v as { failed: { name: string; url?: string }[] }).failed)).toBe(
      'ci/test (<https://ci/1|details>), lint (<https://gh/2|details>), deploy-preview',
    );
  });
  test('one name reported twice: failure beats pending beats success; a status context counts once (the newest, listed first)', () => {
    expect(
      decideChecks(['build'], [{ context: 'build', state: 'success' }], [{ name: 'build', status: 'completed', conclusion: 'failure' }])
        .kind,
    ).toBe('failed');
    expect(decideChecks(['build'], [{ context: 'build', state: 'success' }], [{ name: 'build', status: 'queued' }]).kind).toBe('pending');
    expect(
      decideChecks(
        ['ci'],
        [
          { context: 'ci', state: 'success' },
          { context: 'ci', state: 'failure' },
        ],
        [],
      ).kind,
    ).toBe('green');
  });
  test('the waiting text names the pending checks, without links, and says when GitHub did not answer', () => {
    expect(waitingForChecksText({ kind: 'pending', pending: [{ name: 'ci/test', url: 'https://x' }, { name: 'a<b' }] })).toBe(
      'waiting for checks: ci/test, a&lt;b',
    );
    expect(
      waitingForChecksText({ kind: 'pending', pending: [{ name: 'ci' }], unknown: 'GitHub failed (502) when asked for the checks' }),
    ).toBe('waiting for checks: ci (GitHub failed (502) when asked for the checks; Ferry asks again shortly)');
  });
});

describe('require_checks in the config', () => {
  test('a repo: app takes all or a list, with checks_timeout defaulting to 30m', () => {
    const c = parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    repo: acme/web\n    environments:\n      staging:\n        deploy: [/bin/true]\n        require_checks: [ci/test]\n      production:\n        deploy: [/bin/true]\n        require_checks: all\n        checks_timeout: 10m\n',
      '/tmp/ferry.yml',
    );
    expect(c.apps.web!.envs.staging).toMatchObject({ requireChecks: ['ci/test'], checksTimeoutMs: 30 * 60_000 });
    expect(c.apps.web!.envs.production).toMatchObject({ requireChecks: 'all', checksTimeoutMs: 10 * 60_000 });
  });
  test('a path: app with require_checks, or a bad value, is a config error that says why', () => {
    expect(() =>
      parseConfig(
        'feed_channel: C0FEED\napps:\n  web:\n    path: .\n    environments:\n      dev:\n        deploy: [/bin/true]\n        require_checks: all\n',
        '/tmp/ferry.yml',
      ),
    ).toThrow(/apps\.web\.environments\.dev\.require_checks.*needs the app to come from GitHub \(repo: owner\/name\)/s);
    expect(() =>
      parseConfig(
        'feed_channel: C0FEED\napps:\n  web:\n    repo: acme/web\n    environments:\n      dev:\n        deploy: [/bin/true]\n        require_checks: some\n',
        '/tmp/ferry.yml',
      ),
    ).toThrow(/require_checks.*must be all .* or a list of check names/s);
  });
});
