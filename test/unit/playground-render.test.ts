import type { Deploy } from '../../src/core/deploy';
import { renderDeployMessage } from '../../src/core/feed-message';
import { describeLock } from '../../src/core/lock-text';
import { deployHelp } from '../../src/core/parse/deploy';
import { escapeMrkdwn } from '../../src/core/slack-format';
import { blocksToHtml, messageToHtml, viewToHtml } from '../../src/playground/render/blocks';
import { escapeHtml, mrkdwnToHtml, type Names, plainToHtml } from '../../src/playground/render/mrkdwn';
import { lockButtons as waitlistButton, WAITLIST_ACTION } from '../../src/core/fix-buttons';
import { oneApp } from './fixtures';

const PEOPLE: Record<string, string> = { U0ANA: 'Ana', U0BOB: 'Bob' };
const names: Names = { user: (id) => PEOPLE[id] ?? id, channel: (id) => (id === 'C0FEED' ? 'deploys' : id) };
const ctx = { names };
const md = (text: string) => mrkdwnToHtml(text, names);

const SHA = '0123456789abcdef0123456789abcdef01234567';
const T0 = Date.UTC(2025, 2, 4, 13, 5, 0); // 2025-03-04 13:05:00 UTC
const deploy = (over: Partial<Deploy> = {}): Deploy => ({
  id: 7,
  app: 'web',
  env: 'dev',
  ref: 'feature/checkout',
  sha: SHA,
  user: 'U0ANA',
  status: 'queued',
  createdAt: T0,
  rev: 1,
  attempt: 0,
  ...over,
});

/** No element of HTML other than the ones the renderer itself writes. */
const OWN_TAGS = new Set([
  'a',
  'br',
  'blockquote',
  'button',
  'code',
  'del',
  'div',
  'em',
  'form',
  'h2',
  'h3',
  'hr',
  'input',
  'label',
  'li',
  'ol',
  'optgroup',
  'option',
  'pre',
  'select',
  'span',
  'strong',
  'textarea',
  'time',
  'ul',
]);
function foreignTags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()).filter((t) => !OWN_TAGS.has(t));
}
/** Every attribute name in every tag; a tag whose attributes don't parse as `name` or `name="..."` fails the test. */
function attributeNames(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z][\w-]*((?:\s[^>]*)?)>/g)].flatMap((m) => {
    const rest = m[1]!;
    expect(rest.replace(/\s[\w-]+(?:="[^"<>]*")?/g, '')).toBe('');
    return [...rest.matchAll(/\s([\w-]+)(?:="[^"]*")?/g)].map((a) => a[1]!);
  });
}
const handlers = (html: string) => attributeNames(html).filter((a) => /^on/i.test(a));

describe('mrkdwn', () => {
  test('bold, italic, strike, code and pre', () => {
    expect(md('*bold* _it_ ~gone~ `x = 1`')).toBe('<strong>bold</strong> <em>it</em> <del>gone</del> <code>x = 1</code>');
    expect(md('```\nline 1\n*not bold*\n```')).toBe('<pre>line 1\n*not bold*</pre>');
  });

  test('markers count only at word boundaries, as in Slack', () => {
    expect(md('snake_case_name and 2*3*4 and a~b~c')).toBe('snake_case_name and 2*3*4 and a~b~c');
    expect(md('(*yes*), _a b_.')).toBe('(<strong>yes</strong>), <em>a b</em>.');
    expect(md('* not bold *')).toBe('* not bold *');
  });

  test('no formatting or emoji inside code', () => {
    expect(md('`*a* :rocket: _b_`')).toBe('<code>*a* :rocket: _b_</code>');
  });

  test("Slack's own escapes are decoded once, then escaped for HTML", () => {
    expect(md('a &lt;b&gt; &amp; c &amp;lt;')).toBe('a &lt;b&gt; &amp; c &amp;lt;');
    expect(md('`&lt;ref&gt;`')).toBe('<code>&lt;ref&gt;</code>');
  });

  test('newlines become <br> and > lines a blockquote', () => {
    expect(md('one\ntwo')).toBe('one<br>two');
    expect(md('intro\n> quoted\n&gt; more\nafter')).toBe('intro<blockquote>quoted<br>more</blockquote>after');
  });

  test('links: labelled, bare and mailto open in a new tab; other schemes are text', () => {
    expect(md('<https://example.com/a?b=1&amp;c=2|the docs>')).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(md('<https://example.com>')).toContain('>https://example.com</a>');
    expect(md('<mailto:ops@example.com>')).toContain('href="mailto:ops@example.com"');
    expect(md('<javascript:alert(1)|click me>')).toBe('click me');
    expect(md('<javascript:alert(1)>')).toBe('javascript:alert(1)');
  });

  test('mentions of people, channels, groups and everyone', () => {
    expect(md('<@U0ANA> <@U0ZED|zed>')).toBe(
      '<span class="mention" data-user-id="U0ANA">@Ana</span> <span class="mention" data-user-id="U0ZED">@zed</span>',
    );
    expect(md('<#C0FEED>')).toContain('>#deploys</span>');
    expect(md('<!here> <!channel> <!everyone>')).toMatch(/@here<\/span> .*@channel<\/span> .*@everyone<\/span>/);
    expect(md('<!subteam^S0OPS|@ops-team>')).toContain('>@ops-team</span>');
  });

  test('dates become <time> with the format for the browser and the fallback as text', () => {
    expect(md('<!date^1700000000^{date_short_pretty} at {time}|Nov 14, 2023>')).toBe(
      '<time class="date" datetime="2023-11-14T22:13:20.000Z" data-format="{date_short_pretty} at {time}">Nov 14, 2023</time>',
    );
    expect(md('<!date^1700000000^{date}^https://example.com/x|then>')).toMatch(
      /^<a href="https:\/\/example.com\/x"[^>]*><time [^>]*>then<\/time><\/a>$/,
    );
  });

  test('known emoji become characters, unknown ones stay as typed', () => {
    expect(md(':rocket: :white_check_mark: :+1: :no_such_emoji: 10:30:45')).toBe('🚀 ✅ 👍 :no_such_emoji: 10:30:45');
  });

  test('plain_text is escaped, with emoji only when asked', () => {
    expect(plainToHtml('<b>hi</b> :tada:')).toBe('&lt;b&gt;hi&lt;/b&gt; 🎉');
    expect(plainToHtml(':tada: *x*', false)).toBe(':tada: *x*');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe("Ferry's deploy feed message", () => {
  const render = (d: Deploy, now = T0, extra = {}) => messageToHtml(renderDeployMessage(d, { now, ...extra }), ctx);

  test('queued: hourglass, bold title, place in line, the ref and SHA as code, the requester by name', () => {
    const html = render(deploy(), T0, { position: 2, runningAhead: 5, waitingAhead: 6 });
    expect(html).toContain('⏳ <strong>Deploy #7 · web to dev</strong><br>queued behind #6');
    expect(html).toContain('<code>feature/checkout</code> at <code>0123456</code>');
    expect(html).toContain('requested by <span class="mention" data-user-id="U0ANA">@Ana</span>');
    expect(html).toMatch(/^<div class="bk-block bk-section" data-block-id="b0">.*<div class="bk-block bk-context" data-block-id="b1">/);
  });

  test('running: rocket, and the start time as a <time> the browser localises', () => {
    const html = render(deploy({ status: 'running', startedAt: T0 + 60_000, worker: 'host-a:123', attempt: 1 }), T0 + 90_000, {
      recentDurationsMs: [100_000],
    });
    expect(html).toContain('🚀 <strong>Deploy #7');
    expect(html).toContain(
      'running since <time class="date" datetime="2025-03-04T13:06:00.000Z" data-format="{time}">2025-03-04 13:06 UTC</time> · usually takes 1m 40s',
    );
    expect(html).toContain('done around <time class="date" datetime="2025-03-04T13:07:40.000Z"');
  });

  test('with a commit URL the short SHA is a link', () => {
    const html = render(deploy(), T0, { commitUrl: `https://github.com/acme/web/commit/${SHA}` });
    expect(html).toContain(`<a href="https://github.com/acme/web/commit/${SHA}" target="_blank" rel="noopener noreferrer">0123456</a>`);
  });

  test('succeeded: check mark and how long it took', () => {
    const html = render(deploy({ status: 'succeeded', startedAt: T0, finishedAt: T0 + 125_000, exitCode: 0, attempt: 1 }));
    expect(html).toContain('✅ <strong>Deploy #7 · web to dev</strong><br>succeeded in 2m 5s');
  });

  test('failed: a bold "failed", the error with its mention, and the requester pinged', () => {
    const d = deploy({
      status: 'failed',
      startedAt: T0,
      finishedAt: T0 + 42_000,
      exitCode: 3,
      error: 'dev was locked by <@U0BOB> before it could run again',
      attempt: 1,
    });
    const html = render(d);
    expect(html).toContain('❌ <strong>Deploy #7');
    expect(html).toContain(
      '<span class="mention" data-user-id="U0ANA">@Ana</span> your deploy <strong>failed</strong> after 42s (exit 3): dev was locked by <span class="mention" data-user-id="U0BOB">@Bob</span> before it could run again.',
    );
  });

  test('cancelled: no-entry sign and the reason', () => {
    const html = render(deploy({ status: 'cancelled', error: 'cancelled by <@U0BOB>' }));
    expect(html).toContain(
      '🚫 <strong>Deploy #7 · web to dev</strong><br>cancelled by <span class="mention" data-user-id="U0BOB">@Bob</span>',
    );
  });

  test('its `text` fallback renders as mrkdwn when a message has no blocks', () => {
    const m = renderDeployMessage(deploy({ status: 'succeeded', startedAt: T0, finishedAt: T0 + 1_000 }), { now: T0 });
    expect(messageToHtml({ text: m.text }, ctx)).toBe('<div class="bk-text">✅ Deploy #7 · web to dev: succeeded in 1s</div>');
  });
});

describe("Ferry's lock refusal with the wait-list button", () => {
  const lock = { holder: 'U0BOB', since: T0, until: T0 + 4 * 3_600_000, reason: 'testing <checkout> & "more"' };
  const text = `Can't deploy: ${describeLock('web', 'dev', lock as Parameters<typeof describeLock>[2], T0 + 600_000)} Nothing was queued.`;
  const html = messageToHtml({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, waitlistButton('web', 'dev')] }, ctx);

  test('the holder, reason and times read as in Slack', () => {
    expect(html).toContain(
      '<code>web</code> <strong>dev</strong> is locked by <span class="mention" data-user-id="U0BOB">@Bob</span> (testing &lt;checkout&gt; &amp; &quot;more&quot;) since <time class="date"',
    );
    expect(html).toContain('data-format="{date_short_pretty} {time}">2025-03-04 17:05 UTC</time> (in 3h 50m)');
  });

  test("the button carries the action_id and value Ferry's handler reads", () => {
    const button = /<button [^>]*>Join the wait-list<\/button>/.exec(html)?.[0] ?? '';
    expect(button).toContain('type="button"');
    expect(button).toContain('class="bk-button"');
    expect(button).toContain(`data-action-id="${WAITLIST_ACTION}"`);
    expect(button).toContain('data-block-id="b1"');
    const value = /data-value="([^"]*)"/.exec(button)?.[1] ?? '';
    expect(JSON.parse(value.replace(/&quot;/g, '"'))).toEqual({ app: 'web', env: 'dev' });
  });
});

describe("Ferry's help text", () => {
  test('bold headings, code, and one bullet line per app', () => {
    const html = md(deployHelp(oneApp()));
    expect(html).toMatch(/^<strong>Deploy:<\/strong> <code>\/deploy \[app\] &lt;env&gt; \[ref\] \[override &lt;reason&gt;\]<\/code>/);
    expect(html).toContain(
      '<strong>Apps and environments:</strong><br>• <code>web</code>: dev, staging, production (default ref <code>trunk</code>)',
    );
    expect(html).toContain('<code>/deploy dev my-branch</code>');
  });

  test('an unescaped <placeholder> loses its brackets, as in Slack, and is marked so the bug shows', () => {
    const html = md('Usage: `/deploy <env>`');
    expect(html.replace(/title="[^"]*"/g, '')).not.toContain('&lt;env&gt;');
    expect(html).toMatch(/<code>\/deploy <span class="bk-swallowed" title="[^"]*&amp;lt;env&amp;gt;[^"]*">env<\/span><\/code>/);
  });
});

describe('nothing from a message becomes markup', () => {
  const evil = ['<script>alert(1)</script>', '"><img src=x onerror=1>', "' onmouseover='x", '<@U0ANA|<b>>', '&lt;script&gt;'];

  test.each(evil)('a ref %p escaped by Ferry renders as text', (ref) => {
    const html = messageToHtml(renderDeployMessage(deploy({ ref }), { now: T0 }), ctx);
    expect(foreignTags(html)).toEqual([]);
    expect(handlers(html)).toEqual([]);
  });

  test.each(evil)('raw plain_text %p and a raw mrkdwn text render as text', (s) => {
    const html = blocksToHtml(
      [
        { type: 'header', text: { type: 'plain_text', text: s } },
        { type: 'section', text: { type: 'mrkdwn', text: s }, fields: [{ type: 'plain_text', text: s }] },
        { type: 'actions', block_id: s, elements: [{ type: 'button', action_id: s, value: s, text: { type: 'plain_text', text: s } }] },
        { type: s },
      ],
      ctx,
    );
    expect(foreignTags(html)).toEqual([]);
    expect(handlers(html)).toEqual([]);
  });

  test('escapeMrkdwn keeps a ref in code, visible as typed', () => {
    expect(md(`\`${escapeMrkdwn('<script>alert(1)</script>')}\``)).toBe('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
  });

  test('javascript: and data: links and buttons are not links', () => {
    const html = blocksToHtml(
      [
        { type: 'section', text: { type: 'mrkdwn', text: '<javascript:alert(1)|x> <data:text/html,hi|y> < javascript:z>' } },
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'go', url: 'javascript:alert(1)', text: { type: 'plain_text', text: 'Go' } }],
        },
        { type: 'image', image_url: 'javascript:alert(1)', alt_text: 'pic' },
      ],
      ctx,
    );
    expect(html).not.toContain('<a ');
    expect(html).not.toContain('href');
    expect(html).toContain('<button type="button" class="bk-button" data-action-id="go"');
  });
});

describe('blocks', () => {
  test('rich_text: styled text, links, mentions, emoji, lists, quotes and preformatted', () => {
    const html = blocksToHtml(
      [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Hi ', style: { bold: true } },
                { type: 'user', user_id: 'U0ANA' },
                { type: 'text', text: ', see ' },
                { type: 'link', url: 'https://example.com', text: 'this' },
                { type: 'emoji', name: 'tada', unicode: '1f389' },
                { type: 'emoji', name: 'ship' },
                { type: 'text', text: 'x<y', style: { code: true, italic: true } },
              ],
            },
            {
              type: 'rich_text_list',
              style: 'ordered',
              indent: 1,
              elements: [
                { type: 'rich_text_section', elements: [{ type: 'text', text: 'first' }] },
                { type: 'rich_text_section', elements: [{ type: 'text', text: 'second' }] },
              ],
            },
            {
              type: 'rich_text_list',
              style: 'bullet',
              elements: [{ type: 'rich_text_section', elements: [{ type: 'broadcast', range: 'here' }] }],
            },
            { type: 'rich_text_quote', elements: [{ type: 'text', text: 'quoted' }] },
            { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'a\n  b' }] },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain('<strong>Hi </strong><span class="mention" data-user-id="U0ANA">@Ana</span>, see <a href="https://example.com"');
    expect(html).toContain('>this</a>🎉🚢<em><code>x&lt;y</code></em>');
    expect(html).toContain('<ol class="bk-rt-list bk-indent-1"><li>first</li><li>second</li></ol>');
    expect(html).toContain('<ul class="bk-rt-list bk-indent-0"><li><span class="mention group">@here</span></li></ul>');
    expect(html).toContain('<blockquote>quoted</blockquote><pre>a\n  b</pre>');
  });

  test('section fields in a grid, with a button accessory; header; divider', () => {
    const html = blocksToHtml(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Deploys :ship:' } },
        { type: 'divider' },
        {
          type: 'section',
          block_id: 'facts',
          fields: [
            { type: 'mrkdwn', text: '*Env*\ndev' },
            { type: 'plain_text', text: 'Ref: main' },
          ],
          accessory: {
            type: 'button',
            action_id: 'cancel',
            value: '7',
            style: 'danger',
            text: { type: 'plain_text', text: 'Cancel' },
            confirm: {
              title: { type: 'plain_text', text: 'Sure?' },
              text: { type: 'mrkdwn', text: 'Cancel deploy *#7* of <@U0ANA>?' },
              confirm: { type: 'plain_text', text: 'Yes' },
              deny: { type: 'plain_text', text: 'No' },
            },
          },
        },
      ],
      ctx,
    );
    expect(html).toContain('<div class="bk-block bk-header" data-block-id="b0"><h3 class="bk-header-text">Deploys 🚢</h3></div>');
    expect(html).toContain('<div class="bk-block bk-divider" data-block-id="b1"><hr></div>');
    expect(html).toContain(
      '<div class="bk-fields"><div class="bk-field"><strong>Env</strong><br>dev</div><div class="bk-field">Ref: main</div></div>',
    );
    expect(html).toMatch(
      /<div class="bk-accessory"><button type="button" class="bk-button bk-danger" data-action-id="cancel" data-block-id="facts" data-value="7" data-confirm="Cancel deploy \*#7\* of @Ana\?"[^>]*>Cancel<\/button><\/div>/,
    );
  });

  test('a URL button is a link that still sends its action', () => {
    const html = blocksToHtml(
      [
        {
          type: 'actions',
          block_id: 'links',
          elements: [
            {
              type: 'button',
              action_id: 'logs',
              url: 'https://ferry.example/logs/7',
              style: 'primary',
              text: { type: 'plain_text', text: 'Logs' },
            },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain(
      '<a href="https://ferry.example/logs/7" target="_blank" rel="noopener noreferrer" class="bk-button bk-primary" data-action-id="logs" data-block-id="links" data-url="https://ferry.example/logs/7">Logs</a>',
    );
  });

  test('images are links, not loaded', () => {
    const html = blocksToHtml(
      [
        {
          type: 'image',
          image_url: 'https://example.com/chart.png',
          alt_text: 'deploys per day',
          title: { type: 'plain_text', text: 'Chart' },
        },
        {
          type: 'context',
          elements: [
            { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'avatar' },
            { type: 'mrkdwn', text: '_by_ <@U0ANA>' },
          ],
        },
      ],
      ctx,
    );
    expect(html).not.toContain('<img');
    expect(html).toMatch(/<a href="https:\/\/example.com\/chart.png" [^>]*class="bk-image" title="deploys per day">.*Chart<\/a>/);
    expect(html).toMatch(
      /<span class="bk-context-item"><a href="https:\/\/example.com\/a.png" [^>]*class="bk-image bk-image-small"[^>]*>.*avatar<\/a><\/span><span class="bk-context-item"><em>by<\/em> <span class="mention"/,
    );
  });

  test('other action elements are shown disabled, with their placeholder', () => {
    const html = blocksToHtml(
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'static_select',
              action_id: 'env',
              placeholder: { type: 'plain_text', text: 'Pick an env' },
              options: [{ text: { type: 'plain_text', text: 'dev' }, value: 'dev' }],
            },
            { type: 'overflow', options: [] },
            { type: 'datepicker' },
          ],
        },
      ],
      ctx,
    );
    expect(html).toMatch(
      /<select class="bk-select" data-element-type="static_select" data-action-id="env" data-block-id="b0" disabled><option value="" disabled selected>Pick an env<\/option><option value="dev">dev<\/option><\/select>/,
    );
    expect(html).toContain('<button type="button" class="bk-overflow" disabled');
    expect(html).toMatch(/<input type="date"[^>]* disabled/);
  });

  test('unknown and malformed blocks are a muted note; the rest still renders', () => {
    const html = messageToHtml(
      { blocks: [{ type: 'carousel' }, null, { type: 'section' }, { type: 'divider' }, { type: 'constructor' }] },
      ctx,
    );
    expect(html).toContain('<span class="bk-muted">unsupported block: carousel</span>');
    expect(html).toContain('unsupported block: unknown');
    expect(html).toContain('unsupported block: section');
    expect(html).toContain('unsupported block: constructor');
    expect(html).toContain('<hr>');
  });

  test('anything at all renders without throwing', () => {
    const junk: unknown[] = [
      undefined,
      1,
      'x',
      [],
      { type: 'section', text: 5 },
      { type: 'actions', elements: 'no' },
      { type: 'rich_text', elements: [{ type: 'rich_text_list', elements: [null, 3] }] },
      { type: 'input', element: { type: 'checkboxes', options: [null] } },
    ];
    expect(() => blocksToHtml(junk, ctx)).not.toThrow();
    expect(() => messageToHtml(null as unknown as { text?: string }, ctx)).not.toThrow();
    expect(() => viewToHtml('nope', ctx)).not.toThrow();
    const badNames: Names = {
      user: () => {
        throw new Error('no');
      },
      channel: () => '',
    };
    expect(mrkdwnToHtml('<@U1> <#C1|general>', badNames)).toBe(
      '<span class="mention" data-user-id="U1">@U1</span> <span class="mention channel" data-channel-id="C1">#general</span>',
    );
  });
});

describe('modals', () => {
  const view = {
    type: 'modal',
    id: 'V123',
    callback_id: 'deploy_form',
    title: { type: 'plain_text', text: 'Deploy something' },
    submit: { type: 'plain_text', text: 'Deploy' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Pick *carefully*.' } },
      {
        type: 'input',
        block_id: 'env',
        label: { type: 'plain_text', text: 'Environment' },
        element: {
          type: 'static_select',
          action_id: 'choice',
          placeholder: { type: 'plain_text', text: 'Choose one' },
          initial_option: { text: { type: 'plain_text', text: 'staging' }, value: 'staging' },
          options: [
            { text: { type: 'plain_text', text: 'dev' }, value: 'dev' },
            { text: { type: 'plain_text', text: 'staging' }, value: 'staging' },
          ],
        },
      },
      {
        type: 'input',
        optional: true,
        label: { type: 'plain_text', text: 'Notes' },
        hint: { type: 'plain_text', text: 'Shown in the feed' },
        element: {
          type: 'plain_text_input',
          action_id: 'notes',
          multiline: true,
          max_length: 500,
          initial_value: 'a < b',
          placeholder: { type: 'plain_text', text: 'Why?' },
        },
      },
      {
        type: 'input',
        label: { type: 'plain_text', text: 'Checks' },
        element: {
          type: 'checkboxes',
          options: [
            { text: { type: 'mrkdwn', text: '*tests*' }, value: 't' },
            { text: { type: 'plain_text', text: 'lint' }, value: 'l' },
          ],
          initial_options: [{ value: 'l' }],
        },
      },
      {
        type: 'input',
        block_id: 'when',
        label: { type: 'plain_text', text: 'When' },
        element: { type: 'datepicker', action_id: 'day', initial_date: '2025-03-04' },
      },
    ],
  };
  const html = viewToHtml(view, ctx);

  test('a form with the title, the view and callback IDs, submit and close buttons', () => {
    expect(html).toMatch(
      /^<form class="bk-modal" data-callback-id="deploy_form" data-view-id="V123"><h2 class="bk-modal-title">Deploy something<\/h2>/,
    );
    expect(html).toContain('<button type="submit" class="bk-button bk-primary">Deploy</button>');
    expect(html).toContain('<button type="button" class="bk-close" data-close>Cancel</button>');
    expect(html).toContain('Pick <strong>carefully</strong>.');
    expect(html).toMatch(/<\/form>$/);
  });

  test('a select named <block_id>/<action_id> with its options, placeholder and initial option', () => {
    expect(html).toContain('<label class="bk-label" for="bk-field-env-choice">Environment</label>');
    expect(html).toContain(
      '<select class="bk-select" id="bk-field-env-choice" name="env/choice" data-element-type="static_select" data-action-id="choice" data-block-id="env" required><option value="" disabled>Choose one</option><option value="dev">dev</option><option value="staging" selected>staging</option></select>',
    );
  });

  test('a multiline text input is a <textarea> with its limits, value, hint and "(optional)"; default block_id b<index>', () => {
    expect(html).toContain('<div class="bk-block bk-input" data-block-id="b2" data-optional>');
    expect(html).toContain('Notes <span class="bk-optional">(optional)</span></label>');
    expect(html).toMatch(
      /<textarea class="bk-field-input" [^>]*name="b2\/notes" data-element-type="plain_text_input"[^>]* placeholder="Why\?" maxlength="500">a &lt; b<\/textarea>/,
    );
    expect(html).not.toMatch(/<textarea[^>]* required/);
    expect(html).toContain('<div class="bk-hint">Shown in the feed</div>');
  });

  test('checkboxes are one input per option with the same name; a datepicker is a date input', () => {
    const boxes = [...html.matchAll(/<input type="checkbox"[^>]*>/g)].map((m) => m[0]);
    expect(boxes).toHaveLength(2);
    for (const b of boxes) expect(b).toContain('name="b3/a3" data-element-type="checkboxes"');
    expect(boxes[0]).toContain('value="t"');
    expect(boxes[1]).toMatch(/value="l" checked/);
    expect(html).toContain('<span><strong>tests</strong></span>');
    expect(html).toMatch(
      /<input type="date" class="bk-field-input" id="bk-field-when-day" name="when\/day" data-element-type="datepicker"[^>]* value="2025-03-04" required>/,
    );
  });

  test('without submit there is no submit button; close has its own label', () => {
    const plain = viewToHtml(
      { type: 'modal', title: { type: 'plain_text', text: 'Info' }, close: { type: 'plain_text', text: 'Done' }, blocks: [] },
      ctx,
    );
    expect(plain).not.toContain('type="submit"');
    expect(plain).toContain('data-close>Done</button>');
  });
});
