import pino from 'pino';
import type { Deploy } from '../../src/core/deploy';
import { deployFacts, renderLogPage } from '../../src/http/log-page-html';
import { UserNames } from '../../src/services/user-names';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const T0 = Date.UTC(2025, 2, 4, 13, 5, 0);
const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 7,
  app: 'web',
  env: 'production',
  ref: 'main',
  sha: SHA,
  user: 'U0ANA',
  status: 'succeeded',
  createdAt: T0,
  rev: 1,
  attempt: 1,
  ...over,
});
const page = (d: Deploy, name?: string) =>
  renderLogPage({
    facts: deployFacts(d, (s) => s, name),
    first: 1,
    lines: [],
    eventsUrl: '7/events?t=x',
    linkExpiresAt: T0 + 86_400_000,
    now: T0,
    logTtlMs: 86_400_000,
  });

describe('the log page names people and releases', () => {
  test('the requester by their Slack name, the member ID in the tooltip; the ID when no name is known', () => {
    expect(page(deploy(), 'Ana <Lima>')).toContain('<dt>Requested by</dt><dd><span title="U0ANA">Ana &lt;Lima&gt;</span></dd>');
    expect(page(deploy())).toContain('<dt>Requested by</dt><dd><code>U0ANA</code></dd>');
  });

  test("a release's ship says which release, with Ferry's ref for it", () => {
    const html = page(deploy({ ref: 'release-3', release: { id: 3, attempt: 1 } }));
    expect(html).toContain('<dt>Release</dt><dd>release #3 (ref <code>release-3</code>)</dd>');
    expect(html).not.toContain('<dt>Ref</dt>');
  });
});

describe('UserNames', () => {
  const log = pino({ level: 'silent' });
  test('real name first, then display name; looked up once an hour; a failure or a non-Slack user gives undefined', async () => {
    const asked: string[] = [];
    const users: Record<string, { real_name?: string; profile?: { display_name?: string } }> = {
      U0ANA: { real_name: 'Ana Lima', profile: { display_name: 'ana' } },
      U0BEN: { profile: { display_name: 'ben' } },
    };
    const slack = {
      users: {
        info: async ({ user }: { user: string }) => {
          asked.push(user);
          if (!users[user]) throw new Error('user_not_found');
          return { user: users[user] };
        },
      },
    };
    const names = new UserNames({ slack, log });
    expect(await names.nameOf('U0ANA')).toBe('Ana Lima');
    expect(await names.nameOf('U0ANA')).toBe('Ana Lima');
    expect(await names.nameOf('U0BEN')).toBe('ben');
    expect(await names.nameOf('U0NOBODY')).toBeUndefined();
    expect(await names.nameOf('github')).toBeUndefined();
    expect(asked).toEqual(['U0ANA', 'U0BEN', 'U0NOBODY']);
  });
});
