import {
  RELEASE_ACK,
  RELEASE_CANCEL,
  RELEASE_EDIT,
  RELEASE_HOLD,
  RELEASE_LIFT,
  RELEASE_REFRESH,
  RELEASE_SHIP,
} from '../../src/core/release/actions';
import { renderAuthorDm, renderReminder } from '../../src/core/release/dm';
import { renderProductPost } from '../../src/core/release/product-post';
import { releaseState } from '../../src/core/release/state';
import { renderSummary, type SummaryContext } from '../../src/core/release/summary';
import type { Author, Commit, Release, ReleasePolicy } from '../../src/core/release/types';
import { fixture, type Overrides } from '../helpers/fixture';

const MIN = 60_000;
const H = 60 * MIN;
/** 22 Nov 2025, 09:30 UTC. */
const CREATED = Date.UTC(2025, 10, 22, 9, 30);
const NOW = CREATED + 2 * H;
const SRC = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const TGT = 'f0e1d2c3b4a5968778695a4b3c2d1e0f98765432';
const REPO = 'https://github.com/acme/web';
const COMPARE = `${REPO}/compare/f0e1d2c...a1b2c3d`;
const commitUrl = (sha: string) => `${REPO}/commit/${sha}`;
const sha = (n: number) => n.toString(16).padStart(40, '0');

type Msg = { text: string; blocks: Record<string, unknown>[] };
type Button = { action_id: string; text: { text: string }; value: string; style?: string; confirm?: Record<string, { text: string }> };

// ---- what a Slack user sees -------------------------------------------------------------------

/** Every text of the message as Slack would show it (mrkdwn source), block after block. */
function seen(m: Msg): string {
  const out: string[] = [];
  for (const b of m.blocks as { type: string; text?: { text: string }; elements?: { text?: string | { text: string } }[] }[]) {
    if (b.text) out.push(b.text.text);
    for (const e of b.elements ?? []) out.push(typeof e.text === 'string' ? e.text : (e.text?.text ?? ''));
  }
  return out.join('\n');
}

const buttons = (m: Msg): Button[] =>
  (m.blocks as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const labels = (m: Msg): string[] => buttons(m).map((b) => b.text.text);
const headerOf = (m: Msg): string => (m.blocks[0] as { type: string; text: { text: string } }).text.text;

/**
 * Slack's limits for one message: at most 50 blocks, section and context texts of at most 3,000
 * characters, a header of at most 150, buttons' text at most 75, at most 25 elements per actions
 * block, and at most 12,000 characters of text in all. Returns what it counted.
 */
function checkBlockLimits(blocks: Record<string, unknown>[]): { blocks: number; chars: number; longest: number } {
  expect(blocks.length).toBeLessThanOrEqual(50);
  let chars = 0;
  let longest = 0;
  const countAll = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(countAll);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') chars += x.length;
        else countAll(x);
      }
    }
  };
  for (const b of blocks as { type: string; text?: { type: string; text: string }; elements?: Record<string, unknown>[] }[]) {
    countAll(b);
    if (b.type === 'header') {
      expect(b.text!.type).toBe('plain_text');
      expect(b.text!.text.length).toBeLessThanOrEqual(150);
    } else if (b.type === 'section') {
      expect(b.text!.text.length).toBeLessThanOrEqual(3_000);
      longest = Math.max(longest, b.text!.text.length);
    } else if (b.type === 'context') {
      for (const e of b.elements!) expect((e.text as string).length).toBeLessThanOrEqual(3_000);
    } else if (b.type === 'actions') {
      expect(b.elements!.length).toBeLessThanOrEqual(25);
      for (const e of b.elements as unknown as Button[]) {
        expect(e.text.text.length).toBeLessThanOrEqual(75);
        expect(e.value.length).toBeLessThanOrEqual(2_000);
      }
    } else {
      throw new Error(`unexpected block ${b.type}`);
    }
  }
  expect(chars).toBeLessThanOrEqual(12_000);
  return { blocks: blocks.length, chars, longest };
}

/** Nothing from git or people may ping or link: no raw `<!`, and every `<@` is one of the IDs given. */
function noStrayTokens(m: Msg, ids: string[]): void {
  const all = `${m.text}\n${JSON.stringify(m.blocks)}`;
  expect(all).not.toMatch(/<!(channel|here|everyone)/);
  for (const [, id] of all.matchAll(/<@([^>|]*)/g)) expect(ids).toContain(id);
}

// ---- a realistic release ----------------------------------------------------------------------

const commits: Commit[] = [
  {
    sha: sha(1),
    subject: 'Fix login redirect loop (#101)',
    authorName: 'Ana Lima',
    authorEmail: 'ana@acme.io',
    authorLogin: 'ana',
    date: CREATED - 5 * H,
    pr: { number: 101, title: 'Fix login redirect loop', url: `${REPO}/pull/101` },
  },
  {
    sha: sha(2),
    subject: 'Bump lodash from 4.17.20 to 4.17.21',
    authorName: 'dependabot[bot]',
    authorEmail: 'bot@github.com',
    date: CREATED - 4 * H,
  },
  {
    sha: sha(3),
    subject: 'Add checkout totals',
    authorName: 'Ben Ode',
    authorEmail: 'ben@acme.io',
    date: CREATED - 3 * H,
    pr: { number: 102, title: 'Checkout: totals and taxes', url: `${REPO}/pull/102` },
  },
  {
    sha: sha(4),
    subject: 'Taxes per region',
    authorName: 'Ben Ode',
    authorEmail: 'ben@acme.io',
    date: CREATED - 2 * H,
    pr: { number: 102, title: 'Checkout: totals and taxes', url: `${REPO}/pull/102` },
  },
  { sha: sha(5), subject: 'Tidy logging', authorName: 'Ana Lima', authorEmail: 'ana@acme.io', date: CREATED - H },
];

const ana: Author = { key: 'slack:U0ANA', name: 'Ana Lima', slack: 'U0ANA', bot: false, commits: 2, ackBy: 'self' };
const ben: Author = { key: 'slack:U0BEN', name: 'Ben Ode', slack: 'U0BEN', bot: false, commits: 2, ackBy: 'self' };
const bot: Author = { key: 'email:bot@github.com', name: 'dependabot[bot]', bot: true, commits: 1, ackBy: 'approver' };

function release(over: Overrides<Release> = {}): Release {
  return fixture<Release>(
    {
      id: 12,
      shipAttempts: 0,
      app: 'web',
      from: 'staging',
      to: 'production',
      sourceSha: SRC,
      targetSha: TGT,
      sourceRef: 'main',
      requester: 'U0REQ',
      createdAt: CREATED,
      status: 'open',
      commitCount: commits.length,
      compareUrl: COMPARE,
      authors: [ana, ben, bot],
      acks: {},
      approvals: {},
      holds: {},
      fields: {},
      reminders: 0,
      rev: 1,
    },
    over,
  );
}

const policy: ReleasePolicy = {
  ship: 'button',
  freezeSource: false,
  approvers: [],
  selfApproval: true,
  unmapped: 'approver',
  remindAfterMs: 2 * H,
  remindEveryMs: 4 * H,
  reminders: 3,
  expireAfterMs: 24 * H,
};

function ctxFor(r: Release, p: ReleasePolicy = policy, more: Partial<SummaryContext> = {}): SummaryContext {
  return { policy: p, state: releaseState(r, p), now: NOW, timeZone: 'Europe/London', commitUrl, ...more };
}
const summary = (r: Release, p: ReleasePolicy = policy, more: Partial<SummaryContext> = {}, list: Commit[] = commits) =>
  renderSummary(r, list, ctxFor(r, p, more));
const allAcked = {
  'slack:U0ANA': { by: 'U0ANA', at: CREATED + H },
  'slack:U0BEN': { by: 'U0BEN', at: CREATED + H },
  'email:bot@github.com': { by: 'U0APP', at: CREATED + H },
};
/** Slack's relative date token, as each reader sees "2 hours ago". */
const ago = (ms: number) => `<!date^${ms / 1000}^{ago}|${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC>`;

describe('the release summary', () => {
  test('says what production is about to receive: range, counts, compare link, requester, commits and who must say OK', () => {
    const m = summary(release());
    checkBlockLimits(m.blocks);
    expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Production deploy · 22 Nov', emoji: true } });
    const t = seen(m);
    expect(t).toContain(
      `*Release #12* · \`web\` · *staging* <${REPO}/commit/${SRC}|a1b2c3d> (\`main\`) → *production* <${REPO}/commit/${TGT}|f0e1d2c>`,
    );
    expect(t).toContain(`*5 commits* by *3 authors* · <${COMPARE}|compare>`);
    expect(t).toContain(`Requested by <@U0REQ> ${ago(CREATED)}`);
    // Oldest first; a squash merge shows its PR's title, linked; other PR commits keep their subject and name the PR.
    const lines = t.split('\n').filter((l) => l.startsWith('• <https://github.com/acme/web/commit/'));
    expect(lines).toEqual([
      `• <${REPO}/commit/${sha(1)}|0000000> <${REPO}/pull/101|Fix login redirect loop (#101)> — Ana Lima`,
      `• <${REPO}/commit/${sha(2)}|0000000> Bump lodash from 4.17.20 to 4.17.21 — dependabot[bot]`,
      `• <${REPO}/commit/${sha(3)}|0000000> Add checkout totals · <${REPO}/pull/102|Checkout: totals and taxes (#102)> — Ben Ode`,
      `• <${REPO}/commit/${sha(4)}|0000000> Taxes per region · <${REPO}/pull/102|Checkout: totals and taxes (#102)> — Ben Ode`,
      `• <${REPO}/commit/${sha(5)}|0000000> Tidy logging — Ana Lima`,
    ]);
    expect(t).toContain(
      '*Who says OK*\n• <@U0ANA> · 2 commits · :hourglass_flowing_sand: waiting\n• <@U0BEN> · 2 commits · :hourglass_flowing_sand: waiting\n• dependabot[bot] (bot) · 1 commit · :hourglass_flowing_sand: waiting for an approver',
    );
    expect(t).toContain(
      ':hourglass_flowing_sand: *Waiting for OK from 3 authors*, then someone allowed to deploy to *production* presses *Ship*.',
    );
    expect(m.text).toBe('Release #12 of web: staging a1b2c3d → production, 5 commits by 3 authors · waiting for 3 OKs');
  });

  test('without a commit URL SHAs are code; the header date is the day in the team time zone', () => {
    const late = Date.UTC(2025, 10, 22, 23, 30);
    const r = release({ createdAt: late });
    const m = renderSummary(r, commits, { ...ctxFor(r), commitUrl: undefined, timeZone: 'Pacific/Auckland' });
    expect(headerOf(m)).toBe('Production deploy · 23 Nov');
    expect(seen(m)).toContain('*staging* `a1b2c3d` (`main`) → *production* `f0e1d2c`');
    expect(seen(m)).toContain('• `0000000` Tidy logging — Ana Lima');
    // A zone that is not one falls back to UTC rather than failing.
    expect(headerOf(renderSummary(r, commits, { ...ctxFor(r), timeZone: 'Mars/Olympus' }))).toBe('Production deploy · 22 Nov');
  });

  test('a target with no deploy yet: the list is the source’s recent history', () => {
    const m = summary(release({ targetSha: undefined, noBase: true, compareUrl: undefined }));
    const t = seen(m);
    expect(t).toContain('→ *production* (nothing deployed yet)');
    expect(t).toContain("*5 commits* by *3 authors*: *production* has nothing deployed yet, so these are *staging*'s recent commits");
    expect(t).toContain("*Commits*, oldest first (*staging*'s recent history)");
    expect(t).not.toContain('compare');
  });

  test('a forced diverged range warns that shipping takes the target’s own commits off it', () => {
    const t = seen(summary(release({ diverged: { ahead: 5, behind: 2 } })));
    expect(t).toContain(
      ":warning: *Diverged*, forced by <@U0REQ>: *staging* has 5 commits *production* doesn't, and *production* has 2 commits *staging* doesn't; shipping takes those off *production*.",
    );
  });

  test('text from git and people is escaped: it can neither ping nor link', () => {
    const evil = '<!channel> & <@U123>';
    const list: Commit[] = [
      fixture(commits[0]!, { subject: evil, pr: undefined, authorName: '<!here>' }),
      { ...commits[2]!, pr: { number: 7, title: evil, url: `${REPO}/pull/7` } },
    ];
    const r = release({
      commitCount: 2,
      sourceRef: '<!everyone>',
      authors: [ana, { ...bot, name: '<@U999> & co' }],
      holds: { U0BEN: { reason: `wait ${evil}`, at: CREATED + H } },
      fields: { description: evil, backout: `roll back ${evil}`, version: evil },
    });
    const m = summary(r, policy, {}, list);
    checkBlockLimits(m.blocks);
    noStrayTokens(m, ['U0REQ', 'U0ANA', 'U0BEN']);
    const t = seen(m);
    expect(t).toContain(`|0000000> &lt;!channel&gt; &amp; &lt;@U123&gt; — &lt;!here&gt;`);
    expect(t).toContain(`Add checkout totals · <${REPO}/pull/7|&lt;!channel&gt; &amp; &lt;@U123&gt; (#7)>`);
    expect(t).toContain('(`&lt;!everyone&gt;`)');
    expect(t).toContain('• &lt;@U999&gt; &amp; co (bot) · 1 commit');
    expect(t).toContain('*Held* by <@U0BEN>: wait &lt;!channel&gt; &amp; &lt;@U123&gt; · since <!date^');
    expect(t).toContain('*Description:* &lt;!channel&gt; &amp; &lt;@U123&gt;');
    expect(t).toContain('*Backout plan:* roll back &lt;!channel&gt; &amp; &lt;@U123&gt;');
    expect(t).toContain('*Version:* &lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  test('the release fields are shown when set, clipped', () => {
    const r = release({
      fields: {
        description: 'Checkout v2\nwith regional taxes',
        deployType: 'standard',
        backout: 'Roll back to f0e1d2c',
        version: '2025.11.3',
        configChanges: 'x'.repeat(5_000),
      },
    });
    const m = summary(r);
    checkBlockLimits(m.blocks);
    const t = seen(m);
    expect(t).toContain(
      '*Description:* Checkout v2\nwith regional taxes\n*Deploy type:* standard\n*Backout plan:* Roll back to f0e1d2c\n*Version:* 2025.11.3\n*Config changes:* xxx',
    );
    expect(t).toMatch(/\*Config changes:\* x{399}…/);
    expect(seen(summary(release()))).not.toContain('*Description:*');
  });
});

describe('the summary’s buttons follow the state', () => {
  test('open and waiting: OK to ship, Hold…, Edit details and Cancel (with a confirm), all carrying the release id', () => {
    const m = summary(release());
    expect(labels(m)).toEqual(['OK to ship', 'Hold…', 'Edit details', 'Cancel']);
    const [ack, hold, edit, cancel] = buttons(m);
    expect(ack).toMatchObject({ action_id: RELEASE_ACK, value: '12', style: 'primary' });
    expect(hold).toMatchObject({ action_id: RELEASE_HOLD, value: '12' });
    expect(edit).toMatchObject({ action_id: RELEASE_EDIT, value: '12' });
    expect(cancel).toMatchObject({ action_id: RELEASE_CANCEL, value: '12', style: 'danger' });
    expect(cancel!.confirm!.title!.text).toBe('Cancel release #12?');
    expect(cancel!.confirm!.confirm!.text).toBe('Cancel release');
  });

  test('ready with ship: button shows Ship, the one primary button, and no OK to ship; ship: auto says it ships by itself and has no Ship button', () => {
    const r = release({ acks: allAcked });
    const byButton = summary(r);
    expect(labels(byButton)).toEqual(['Hold…', 'Ship', 'Edit details', 'Cancel']);
    expect(buttons(byButton)[1]).toMatchObject({ action_id: RELEASE_SHIP, value: '12', style: 'primary' });
    expect(buttons(byButton).filter((b) => b.style === 'primary')).toHaveLength(1);
    expect(seen(byButton)).toContain(':white_check_mark: *Ready*: everyone said OK; press *Ship* to deploy.');
    expect(byButton.text).toContain('ready to ship');
    const auto = summary(r, { ...policy, ship: 'auto' });
    expect(labels(auto)).not.toContain('Ship');
    expect(seen(auto)).toContain(':white_check_mark: *Ready*: everyone said OK; it ships by itself.');
    // An author's OK and the bot's OK by an approver are both shown.
    expect(seen(auto)).toContain('• <@U0ANA> · 2 commits · :white_check_mark: OK\n');
    expect(seen(auto)).toContain('• dependabot[bot] (bot) · 1 commit · :white_check_mark: OK by <@U0APP>');
  });

  test('not ready: no Ship, even with ship: button', () => {
    const r = release({ acks: { 'slack:U0ANA': { by: 'U0ANA', at: CREATED + H } } });
    const m = summary(r);
    expect(labels(m)).not.toContain('Ship');
    // The list keeps the release's order as people answer: Ana's OK does not move her line.
    expect(seen(m)).toContain(
      '*Who says OK*\n• <@U0ANA> · 2 commits · :white_check_mark: OK\n• <@U0BEN> · 2 commits · :hourglass_flowing_sand: waiting\n• dependabot[bot] (bot) · 1 commit · :hourglass_flowing_sand: waiting for an approver',
    );
    expect(seen(m)).toContain('*Waiting for OK from 2 authors*');
  });

  test('stale: says where the source moved and offers Refresh; it cannot ship', () => {
    const m = summary(release({ acks: allAcked, stale: { sha: 'beef0001'.padEnd(40, '0'), at: CREATED + H, env: 'staging' } }));
    expect(labels(m)).toEqual(['Hold…', 'Edit details', 'Refresh', 'Cancel']);
    expect(buttons(m)[2]).toMatchObject({ action_id: RELEASE_REFRESH, value: '12' });
    expect(seen(m)).toContain(
      ":warning: *staging* moved to `beef000` after this was put together: this release can't ship as it is; *Refresh* it for a fresh list of commits.",
    );
    expect(m.text).toContain('needs a refresh');
  });

  test('held: the hold and its reason are shown, with a Lift hold button naming the holder', () => {
    const m = summary(release({ acks: allAcked, holds: { U0BEN: { reason: 'QA still on checkout', at: CREATED + H } } }));
    expect(seen(m)).toContain(`:octagonal_sign: *Held* by <@U0BEN>: QA still on checkout · since <!date^${(CREATED + H) / 1000}^`);
    expect(seen(m)).toContain(
      ':octagonal_sign: *On hold* (1 hold): once lifted, someone allowed to deploy to *production* presses *Ship*.',
    );
    expect(labels(m)).toEqual(['Hold…', 'Edit details', 'Cancel', 'Lift hold']);
    expect(buttons(m)[3]).toMatchObject({ action_id: RELEASE_LIFT, value: '12:U0BEN' });
    expect(m.text).toContain('on hold');
  });

  test('several holds are numbered like their Lift buttons; the buttons stay within 25', () => {
    const two = summary(
      release({ holds: { U0BEN: { reason: 'QA', at: CREATED + 2 * H }, U0ANA: { reason: 'migration', at: CREATED + H } } }),
    );
    expect(seen(two)).toContain(':octagonal_sign: *On hold* (2 holds), and waiting for OK from 3 authors.');
    expect(seen(two)).toContain(':octagonal_sign: 1. *Held* by <@U0ANA>: migration');
    expect(seen(two)).toContain(':octagonal_sign: 2. *Held* by <@U0BEN>: QA');
    expect(
      buttons(two)
        .filter((b) => b.action_id === RELEASE_LIFT)
        .map((b) => [b.text.text, b.value]),
    ).toEqual([
      ['Lift hold 1', '12:U0ANA'],
      ['Lift hold 2', '12:U0BEN'],
    ]);
    const holds = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`U0H${i}`, { reason: `reason ${i} `.repeat(40), at: CREATED + i }]),
    );
    const many = summary(release({ holds, stale: { sha: SRC, at: NOW, env: 'staging' } }));
    checkBlockLimits(many.blocks);
    expect(buttons(many)).toHaveLength(25);
    expect(seen(many)).toMatch(/_…and \d+ more holds_/);
  });

  test('shipping, shipped, cancelled and expired: no buttons, and the status says why', () => {
    const shipping = summary(release({ acks: allAcked, status: 'shipping', deployId: 345, shippedBy: 'U0REQ' }), policy, {
      shipDeployUrl: 'https://ferry.acme.io/deploys/345',
    });
    expect(buttons(shipping)).toEqual([]);
    expect(seen(shipping)).toContain(':rocket: *Shipping* as <https://ferry.acme.io/deploys/345|deploy #345>, started by <@U0REQ>');
    const shipped = summary(release({ acks: allAcked, status: 'shipped', deployId: 345, shippedBy: 'U0REQ', shippedAt: NOW }));
    expect(buttons(shipped)).toEqual([]);
    expect(seen(shipped)).toContain(`:white_check_mark: *Shipped* as deploy #345 by <@U0REQ> ${ago(NOW)}`);
    expect(shipped.text).toContain('shipped');
    const cancelled = summary(
      release({ status: 'cancelled', endReason: 'cancelled by <@U0REQ>', holds: { U0BEN: { reason: 'x', at: CREATED } } }),
    );
    expect(buttons(cancelled)).toEqual([]);
    expect(seen(cancelled)).toContain(':no_entry_sign: *Cancelled*: cancelled by <@U0REQ>');
    const expired = summary(release({ status: 'expired', endReason: 'nobody shipped it within 24h' }));
    expect(buttons(expired)).toEqual([]);
    expect(seen(expired)).toContain(':hourglass: *Expired*: nobody shipped it within 24h');
  });
});

describe('the required approver', () => {
  const withApprovers: ReleasePolicy = { ...policy, approvers: ['U0APP', 'S0REL'], selfApproval: false };

  test('waiting for one of the approvers (people and user groups); the requester’s own approval does not count', () => {
    const m = summary(release({ acks: allAcked, approvals: { U0REQ: CREATED + H } }), withApprovers);
    expect(seen(m)).toContain(
      ":hourglass_flowing_sand: Needs an approval from one of <@U0APP>, <!subteam^S0REL> (the requester's own approval doesn't count here)",
    );
    expect(seen(m)).toContain('*Waiting for an approval*');
    expect(labels(m)).not.toContain('Ship');
  });

  test('approved: says by whom, and the release is ready', () => {
    const m = summary(release({ acks: allAcked, approvals: { U0APP: CREATED + H } }), withApprovers);
    expect(seen(m)).toContain(`:white_check_mark: Approved by <@U0APP> ${ago(CREATED + H)}`);
    expect(labels(m)).toContain('Ship');
  });

  test('authors with no Slack user: "(no Slack user)", and shown only when nobody acks for them', () => {
    const nobody: Author = { key: 'email:old@acme.io', name: 'Old Timer', bot: false, commits: 1, ackBy: 'none' };
    const t = seen(summary(release({ authors: [ana, nobody] })));
    expect(t).toContain('• Old Timer (no Slack user) · 1 commit · shown only');
  });
});

// ---- a huge, hostile release ------------------------------------------------------------------

const HOSTILE = '<!channel> <b>&amp;</b> <@U123|x> & <https://evil.example|click> ';

function huge(): { r: Release; list: Commit[] } {
  const authors: Author[] = Array.from({ length: 200 }, (_, i) =>
    i % 10 === 9
      ? { key: `email:bot${i}@ci.io`, name: `${HOSTILE}bot ${i}`, bot: true, commits: 5, ackBy: 'approver' as const }
      : {
          key: `slack:U0A${i}`,
          name: `Author ${i}`,
          slack: `U0A${String(i).padStart(3, '0')}`,
          bot: false,
          commits: 5,
          ackBy: 'self' as const,
        },
  );
  const list: Commit[] = Array.from({ length: 1_000 }, (_, i) => ({
    sha: sha(i + 1),
    subject: `${HOSTILE.repeat(10)} ${i}`,
    authorName: `${HOSTILE}${i % 200}`,
    authorEmail: `a${i % 200}@acme.io`,
    date: CREATED - i * MIN,
    ...(i % 3 === 0 && {
      pr: { number: 1_000 + Math.floor(i / 2), title: HOSTILE.repeat(8), url: `${REPO}/pull/${1_000 + Math.floor(i / 2)}` },
    }),
  }));
  const acks = Object.fromEntries(authors.filter((_, i) => i % 4 !== 0).map((a) => [a.key, { by: a.slack ?? 'U0APP', at: CREATED + H }]));
  const r = release({
    app: 'web',
    commitCount: 1_000,
    authors,
    acks,
    holds: { U0BEN: { reason: HOSTILE.repeat(50), at: CREATED + H } },
    fields: {
      description: HOSTILE.repeat(100),
      deployType: HOSTILE.repeat(10),
      backout: HOSTILE.repeat(100),
      version: HOSTILE,
      configChanges: HOSTILE.repeat(100),
    },
    endReason: HOSTILE.repeat(100),
    diverged: { ahead: 1_000, behind: 3 },
  });
  return { r, list };
}

describe('a 1,000-commit release by 200 authors with hostile text stays within Slack’s limits', () => {
  test('summary: condensed commits and authors, with what was left off counted', () => {
    const { r, list } = huge();
    const m = summary(r, { ...policy, approvers: Array.from({ length: 30 }, (_, i) => `U0P${i}`) }, {}, list);
    const counted = checkBlockLimits(m.blocks);
    expect(counted.blocks).toBeLessThan(20);
    noStrayTokens(m, [
      'U0REQ',
      'U0BEN',
      'U0APP',
      ...r.authors.flatMap((a) => (a.slack ? [a.slack] : [])),
      ...Array.from({ length: 30 }, (_, i) => `U0P${i}`),
    ]);
    const t = seen(m);
    const shownCommits = t.split('\n').filter((l) => l.startsWith(`• <${REPO}/commit/`)).length;
    const more = /_…and (\d+) more commits — see the <https:\/\/github\.com\/acme\/web\/compare\/f0e1d2c\.\.\.a1b2c3d\|compare link>_/.exec(
      t,
    );
    expect(more).not.toBeNull();
    expect(shownCommits).toBeGreaterThanOrEqual(10);
    expect(shownCommits + Number(more![1])).toBe(1_000);
    // Waiting authors first; the rest counted by state.
    const authorLines = t.split('\n').filter((l) => /^• .* · 5 commits · /.test(l));
    expect(authorLines.length).toBeGreaterThanOrEqual(10);
    expect(authorLines[0]).toContain(':hourglass_flowing_sand: waiting');
    const rest = /_…and (\d+) more authors: (\d+) OK, (\d+) waiting_/.exec(t);
    expect(rest).not.toBeNull();
    expect(authorLines.length + Number(rest![1])).toBe(200);
    expect(Number(rest![2]) + Number(rest![3])).toBe(Number(rest![1]));
    expect(t).toContain('*Description:* &lt;!channel&gt; &lt;b&gt;&amp;amp;&lt;/b&gt;');
    expect(t).toContain('Needs an approval from one of <@U0P0>, <@U0P1>');
    expect(t).toContain('and 22 more');
  });

  test('DM, reminder and product post too', () => {
    const { r, list } = huge();
    const author: Author = { ...r.authors[0]!, commits: 600 };
    const dm = renderAuthorDm(r, author, list.slice(0, 600), ctxFor(r));
    checkBlockLimits(dm.blocks);
    expect(seen(dm)).toMatch(
      /_…and \d+ more commits — see the <https:\/\/github.com\/acme\/web\/compare\/f0e1d2c...a1b2c3d\|compare link>_/,
    );
    checkBlockLimits(renderReminder(r, author, CREATED).blocks);
    const post = renderProductPost({ ...r, status: 'shipped' }, list, { shipper: 'U0REQ', commitUrl });
    checkBlockLimits(post.blocks);
    for (const m of [dm, post]) noStrayTokens(m, ['U0REQ', 'U0BEN', 'U0A000']);
  });

  test('any input: absurd names, IDs, URLs and counts never break a limit', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const pick = <T>(xs: T[]): T => xs[rand(xs.length)]!;
    const str = () =>
      pick([
        '',
        'x',
        HOSTILE,
        HOSTILE.repeat(200),
        '`'.repeat(500),
        '*_~'.repeat(300),
        '\n\n'.repeat(100),
        '😀'.repeat(2_000),
        'U0ABC'.repeat(300),
      ]);
    const url = () =>
      pick([undefined, COMPARE, `https://x.io/${'a'.repeat(5_000)}`, 'https://a b|c>d', 'javascript:alert(1)', `${REPO}/pull/1?q=<&>|`]);
    for (let round = 0; round < 60; round++) {
      const nAuthors = pick([0, 1, 3, 50, 400]);
      const authors: Author[] = Array.from({ length: nAuthors }, (_, i) => ({
        key: `k${i}`,
        name: str(),
        ...(rand(2) ? { slack: pick([`U0X${i}`, str()]) } : {}),
        bot: rand(2) === 1,
        commits: pick([0, 1, 9_999_999]),
        ackBy: pick(['self', 'approver', 'none'] as const),
      }));
      const list: Commit[] = Array.from({ length: pick([0, 1, 30, 2_000]) }, (_, i) => ({
        sha: pick([sha(i), str()]),
        subject: str(),
        authorName: str(),
        authorEmail: str(),
        date: CREATED,
        ...(rand(2) ? { pr: fixture<NonNullable<Commit['pr']>>({ number: rand(50), title: str() }, { url: url() }) } : {}),
      }));
      const holds = Object.fromEntries(
        Array.from({ length: pick([0, 1, 60]) }, (_, i) => [
          pick([`U0H${i}`, `${str()}${i}`]),
          { reason: str(), at: pick([CREATED, NaN]) },
        ]),
      );
      const r = release({
        app: str(),
        from: str(),
        to: str(),
        sourceSha: str(),
        sourceRef: str(),
        targetSha: pick([undefined, str()]),
        requester: pick(['U0REQ', str()]),
        status: pick(['open', 'shipping', 'shipped', 'cancelled', 'expired'] as const),
        commitCount: pick([0, list.length, 1e9]),
        compareUrl: url(),
        authors,
        acks: Object.fromEntries(authors.filter(() => rand(2)).map((a) => [a.key, { by: pick(['U0APP', str()]), at: CREATED }])),
        approvals: rand(2) ? { [str()]: CREATED } : {},
        holds,
        fields: { description: str(), deployType: str(), backout: str(), version: str(), configChanges: str() },
        endReason: str(),
        deployId: 9,
        shippedBy: str(),
        ...(rand(2) ? { stale: { sha: str(), at: CREATED, env: pick(['staging', 'production', str()]) } } : {}),
        ...(rand(2) ? { diverged: { ahead: 1e9, behind: 1e9 } } : {}),
        ...(rand(2) ? { noBase: true } : {}),
      });
      const p: ReleasePolicy = {
        ...policy,
        ship: pick(['auto', 'button'] as const),
        approvers: Array.from({ length: pick([0, 2, 300]) }, () => pick(['U0APP', 'S0REL', str()])),
      };
      const ctx: SummaryContext = {
        ...ctxFor(r, p),
        timeZone: str(),
        commitUrl: (s) => pick([undefined, commitUrl(s), url()]),
        shipDeployUrl: url(),
      };
      checkBlockLimits(renderSummary(r, list, ctx).blocks);
      const author = authors[0] ?? ana;
      checkBlockLimits(renderAuthorDm(r, author, list, ctx).blocks);
      checkBlockLimits(renderReminder(r, author, CREATED).blocks);
      checkBlockLimits(renderProductPost(r, list, { shipper: str(), commitUrl: ctx.commitUrl }).blocks);
    }
  });
});

// ---- DMs --------------------------------------------------------------------------------------

describe('the author’s DM', () => {
  const anas = commits.filter((c) => c.authorEmail === 'ana@acme.io');

  test('asks for their OK on their own commits, with the same buttons as the summary', () => {
    const r = release();
    const m = renderAuthorDm(r, ana, anas, ctxFor(r));
    checkBlockLimits(m.blocks);
    expect(m.text).toBe('Release #12 of web to production includes 2 of your commits; OK to ship?');
    const t = seen(m);
    expect(t).toContain('*Release #12* of `web` to *production* includes 2 of your commits; OK to ship?');
    expect(t).toContain(`Requested by <@U0REQ> ${ago(CREATED)} · <${COMPARE}|compare>`);
    expect(t).toContain(
      `*Your commits*, oldest first\n• <${REPO}/commit/${sha(1)}|0000000> <${REPO}/pull/101|Fix login redirect loop (#101)>\n• <${REPO}/commit/${sha(5)}|0000000> Tidy logging`,
    );
    expect(t).not.toContain('Checkout');
    expect(t).not.toContain('lodash');
    expect(buttons(m).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      [RELEASE_ACK, 'OK to ship', '12'],
      [RELEASE_HOLD, 'Hold…', '12'],
    ]);
  });

  test('once they said OK it says so and shows no buttons', () => {
    const r = release({ acks: { 'slack:U0ANA': { by: 'U0ANA', at: CREATED + H } } });
    const m = renderAuthorDm(r, ana, anas, ctxFor(r));
    expect(buttons(m)).toEqual([]);
    expect(seen(m)).toContain(`:white_check_mark: You said OK to ship ${ago(CREATED + H)}.`);
    expect(seen(m)).not.toContain('OK to ship?');
    expect(m.text).toBe('Release #12 of web to production: you said OK (open)');
  });

  test('when the release is no longer open it says where it ended, without buttons', () => {
    const r = release({ status: 'cancelled', endReason: 'cancelled by <@U0REQ>' });
    const m = renderAuthorDm(r, ben, commits.slice(2, 4), ctxFor(r));
    expect(buttons(m)).toEqual([]);
    expect(seen(m)).toContain(':no_entry_sign: *Cancelled*: cancelled by <@U0REQ>');
    expect(m.text).toBe('Release #12 of web to production is cancelled');
  });

  test('a reminder: still waiting for your OK, opened some time ago, with the buttons', () => {
    const m = renderReminder(release(), ana, CREATED);
    checkBlockLimits(m.blocks);
    expect(seen(m)).toContain(`Release #12 to *production* is still waiting for your OK (opened ${ago(CREATED)}`);
    expect(seen(m)).toContain('`web`: 2 of your commits');
    expect(m.text).toMatch(
      /^Release #12 to production is still waiting for your OK \(opened <!date\^\d+\^\{ago\}\|2025-11-22 09:30 UTC>\)$/,
    );
    expect(labels(m)).toEqual(['OK to ship', 'Hold…']);
    expect(buttons(renderReminder(release({ acks: { 'slack:U0ANA': { by: 'U0ANA', at: NOW } } }), ana, CREATED))).toEqual([]);
  });
});

// ---- the product channel ----------------------------------------------------------------------

describe('the product post', () => {
  test('one bullet per pull request, commit subjects for the rest, the compare link and who shipped it', () => {
    const r = release({
      status: 'shipped',
      deployId: 345,
      shippedBy: 'U0REQ',
      shippedAt: NOW,
      fields: { description: 'Checkout v2 for everyone', version: '2025.11.3' },
    });
    const m = renderProductPost(r, commits, { shipper: 'U0REQ', commitUrl });
    checkBlockLimits(m.blocks);
    expect(m.text).toBe('Shipped to production: web (4 changes)');
    const t = seen(m);
    expect(t).toContain(':rocket: *Shipped to production*: `web` · version `2025.11.3`\nCheckout v2 for everyone');
    expect(t).toContain(
      [
        `• <${REPO}/pull/101|Fix login redirect loop (#101)>`,
        `• Bump lodash from 4.17.20 to 4.17.21 (<${REPO}/commit/${sha(2)}|0000000>)`,
        `• <${REPO}/pull/102|Checkout: totals and taxes (#102)>`,
        `• Tidy logging (<${REPO}/commit/${sha(5)}|0000000>)`,
      ].join('\n'),
    );
    expect(t.match(/#102/g)).toHaveLength(1);
    expect(t).toContain(`Shipped by <@U0REQ> ${ago(NOW)} as deploy #345 · release #12 · <${COMPARE}|compare 5 commits>`);
  });

  test('long releases list 15 changes and count the rest', () => {
    const list: Commit[] = Array.from({ length: 40 }, (_, i) => ({
      ...commits[4]!,
      sha: sha(i),
      subject: `Change ${i}`,
      pr: { number: i, title: `PR ${i} & more`, url: `${REPO}/pull/${i}` },
    }));
    const m = renderProductPost(release({ commitCount: 40 }), list, { shipper: 'U0REQ' });
    checkBlockLimits(m.blocks);
    const t = seen(m);
    expect(t.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(15);
    expect(t).toContain(`• <${REPO}/pull/0|PR 0 &amp; more (#0)>`);
    expect(t).toContain(`_…and 25 more changes — see the <${COMPARE}|compare link>_`);
  });
});
