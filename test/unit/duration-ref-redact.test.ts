import { formatDuration, formatRelative, parseDuration } from '../../src/core/duration';
import { describeLock } from '../../src/core/lock-text';
import { makeRedactor } from '../../src/core/redact';
import { isFullSha, MAX_REF_LENGTH, refProblem } from '../../src/core/ref';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  test.each([
    ['90s', 90 * S],
    ['30m', 30 * M],
    ['4h', 4 * H],
    ['2d', 2 * D],
    ['1w', 7 * D],
    ['1h30m', 90 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['4H', 4 * H],
    [' 15m ', 15 * M],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '4', 'h', '4hours', '4 hours', '4 h', '1.5h', '-1h', '0s', '0h0m', '4h ago', '4y', 'm30'])(
    '%j is not a duration',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [-5 * S, '0s'],
    [45 * S, '45s'],
    [59.4 * S, '59s'],
    [59.6 * S, '1m'],
    [60 * S, '1m'],
    [200 * S, '3m 20s'],
    [H, '1h'],
    [2 * H + 5 * M, '2h 5m'],
    // past an hour, to the nearest minute: a lock "until in 4h" read a second later is still 4h
    [2 * H + 5 * M + 59 * S, '2h 6m'],
    [4 * H - S, '4h'],
    [D + 4 * H + 29 * M, '1d 4h'],
    [D, '1d'],
    [D + 4 * H, '1d 4h'],
    [9 * D, '9d'],
  ])('%d ms reads %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('what it prints, parseDuration reads back (for whole units)', () => {
    for (const text of ['45s', '1m', '1h', '1d']) expect(formatDuration(parseDuration(text)!)).toBe(text);
  });
});

describe('formatRelative: one precision rule for "(in …)"', () => {
  test.each([
    [45 * S, '45s'],
    [59.4 * S, '59s'],
    [90 * S, '2m'],
    [59 * M + 58 * S, '1h'],
    [2 * H, '2h'],
    [H + 29 * M + 40 * S, '1h 30m'],
    [3 * H + 50 * M + 10 * S, '3h 50m'],
    [D + 20 * H + 10 * M, '1d 20h'],
  ])('%d ms reads %j', (ms, text) => {
    expect(formatRelative(ms)).toBe(text);
  });

  test('a lock taken for 1h, seen 2s later, reads "in 1h", like one taken for 2h reads "in 2h"', () => {
    const now = Date.UTC(2025, 2, 4, 13, 0, 2);
    const lock = (hours: number) => ({
      holder: 'U0ANA',
      reason: '',
      token: 1,
      reserved: false,
      since: now - 2 * S,
      until: now - 2 * S + hours * H,
    });
    expect(describeLock('web', 'dev', lock(1), now)).toMatch(/\(in 1h\)\.$/);
    expect(describeLock('web', 'dev', lock(2), now)).toMatch(/\(in 2h\)\.$/);
  });
});

describe('refProblem', () => {
  test.each(['main', 'feature/checkout', 'release-2024.06', 'v1.2.3', 'user_name/fix-1', 'a'.repeat(40), 'HEAD', 'a.b'])(
    '%j is acceptable',
    (ref) => {
      expect(refProblem(ref)).toBeUndefined();
    },
  );

  test('a ref at the length limit is fine; one over says how long it is', () => {
    expect(refProblem('a'.repeat(MAX_REF_LENGTH))).toBeUndefined();
    expect(refProblem('a'.repeat(MAX_REF_LENGTH + 1))).toBe(
      `that ref is ${MAX_REF_LENGTH + 1} characters long; refs here are at most ${MAX_REF_LENGTH}`,
    );
  });

  test.each([
    ['main;rm -rf /', '`;` a space'],
    ['$(reboot)', '`$` `(` `)`'],
    ['a|b', '`|`'],
    ['a&b', '`&amp;`'],
    ['a>b', '`&gt;`'],
    ['a\nb', 'a space'],
    ['a\\b', '`\\`'],
    ['a~1', '`~`'],
    ['a^{}', '`^` `{` `}`'],
    ['a:b', '`:`'],
    ['a@{1}', '`@` `{` `}`'],
    ['a*', '`*`'],
    ['ünïcode', '`ü` `ï`'],
    ["it's", "`'`"],
    ['a"b', '`"`'],
  ])('%j names its bad characters (%s)', (ref, named) => {
    const p = refProblem(ref);
    expect(p).toContain(`contains ${named}; refs may only use letters, digits and \`.\` \`_\` \`-\` \`/\``);
  });

  test('a backtick is named in a way that does not open a code span', () => {
    expect(refProblem('`id`')).toBe('`\'id\'` contains "`"; refs may only use letters, digits and `.` `_` `-` `/`');
  });

  test.each(['-x', '--upload-pack=touch', '--exec=id', '-'])('%j would be a git option', (ref) => {
    expect(refProblem(ref)).toContain('starts with `-`, which git would read as an option');
  });

  test.each(['main..evil', 'a...b', '..'])('%j is a range', (ref) => {
    expect(refProblem(ref)).toContain('which is a range, not one ref');
  });

  test.each(['/main', 'main/', 'a//b'])('%j has a misplaced slash', (ref) => {
    expect(refProblem(ref)).toContain('misplaced `/`');
  });

  test.each(['main.lock', 'feature/x.lock', 'main.', '.hidden', 'feature/.x'])('%j is not a valid git ref name', (ref) => {
    expect(refProblem(ref)).toContain('is not a valid git ref name');
  });

  test('isFullSha wants 40 lower-case hex digits', () => {
    expect(isFullSha('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isFullSha('0123456')).toBe(false);
    expect(isFullSha('0123456789ABCDEF0123456789ABCDEF01234567')).toBe(false);
  });
});

describe('makeRedactor', () => {
  test('replaces every occurrence of each configured secret', () => {
    const redact = makeRedactor(['s3cr3t-signing', 'hunter2-password']);
    expect(redact('sig=s3cr3t-signing and again s3cr3t-signing; pw hunter2-password')).toBe(
      'sig=[redacted] and again [redacted]; pw [redacted]',
    );
  });

  test('a longer secret that contains a shorter one is replaced whole', () => {
    const redact = makeRedactor(['abcdef', 'abcdef-ghijkl']);
    expect(redact('x abcdef-ghijkl y')).toBe('x [redacted] y');
  });

  test('missing and very short secrets are ignored, so ordinary text is not mangled', () => {
    const redact = makeRedactor([undefined, '', 'a', 'abc']);
    expect(redact('a cat sat on abc mat')).toBe('a cat sat on abc mat');
  });

  test.each([
    ['Slack bot token', 'xoxb-1234567890-abcdefghij'],
    ['Slack user token', 'xoxp-1234567890-abcdefghij'],
    ['Slack app token', 'xapp-1-A0123-456789-abcdef0123'],
    ['GitHub personal token', `ghp_${'a1B2'.repeat(9)}`],
    ['GitHub installation token', `ghs_${'Z9y8'.repeat(9)}`],
    ['GitHub fine-grained token', `github_pat_11ABCDEFG0_${'x'.repeat(40)}`],
  ])('a %s is redacted even when nobody configured it', (_, token) => {
    const redact = makeRedactor([]);
    const out = redact(`Authorization: Bearer ${token} (from env)`);
    expect(out).toBe('Authorization: Bearer [redacted] (from env)');
    expect(out).not.toContain(token.slice(5));
  });

  test('credentials in a URL are removed but the host is kept', () => {
    const redact = makeRedactor([]);
    expect(redact("fatal: unable to access 'https://x-access-token:abc123@github.com/acme/web.git/'")).toBe(
      "fatal: unable to access 'https://[redacted]@github.com/acme/web.git/'",
    );
    expect(redact('clone http://deploy:p%40ss@git.internal:8080/web.git')).toBe('clone http://[redacted]@git.internal:8080/web.git');
  });

  test('a URL without credentials and ports or emails are left alone', () => {
    const redact = makeRedactor([]);
    const text = 'see https://github.com/acme/web/commit/abc and http://localhost:3000/healthz, mail ana@example.com';
    expect(redact(text)).toBe(text);
  });

  test('several tokens in one line', () => {
    const redact = makeRedactor(['my-signing-secret']);
    const out = redact(`xoxb-111111111111-aaaa ghp_${'b'.repeat(36)} my-signing-secret https://u:p@h`);
    expect(out).toBe('[redacted] [redacted] [redacted] https://[redacted]@h');
  });
});
