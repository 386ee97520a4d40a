import { FakeSlack, slackLimitError } from '../helpers/fake-slack';

/**
 * The fake Slack refuses messages that break Slack's limits, as Slack does, so an end-to-end test
 * whose message would be refused in production fails. Exactly at a limit is fine; one past it is not.
 */

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'a',
  text: { type: 'plain_text', text },
  value: '1',
  ...extra,
});
const x = (n: number) => 'x'.repeat(n);

describe('slackLimitError', () => {
  test.each<[string, Record<string, unknown>]>([
    ['50 blocks', { blocks: Array.from({ length: 50 }, () => section('hi')) }],
    ['a section of 3,000 characters', { blocks: [section(x(3_000))] }],
    ['a header of 150', { blocks: [{ type: 'header', text: { type: 'plain_text', text: x(150) } }] }],
    ['a button of 75', { blocks: [{ type: 'actions', elements: [button(x(75))] }] }],
    ['25 elements in an actions block', { blocks: [{ type: 'actions', elements: Array.from({ length: 25 }, () => button('ok')) }] }],
    [
      '10 elements in a context block',
      { blocks: [{ type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'c' })) }] },
    ],
    ['a top-level text of 40,000', { text: x(40_000) }],
    ['12,000 characters of text in all', { blocks: [...Array.from({ length: 4 }, () => section(x(3_000)))] }],
  ])('within the limits: %s', (_what, body) => {
    expect(slackLimitError(body)).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ['51 blocks', { blocks: Array.from({ length: 51 }, () => section('hi')) }, 'invalid_blocks', /51 blocks \(max 50\)/],
    [
      'a section of 3,001 characters',
      { blocks: [section(x(3_001))] },
      'invalid_blocks',
      /blocks\[0\] \(section\)\.text is 3001 characters/,
    ],
    ['an empty section', { blocks: [section('')] }, 'invalid_blocks', /text is 0 characters/],
    [
      '11 section fields',
      { blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] },
      'invalid_blocks',
      /11 fields/,
    ],
    [
      'a header of 151',
      { blocks: [{ type: 'header', text: { type: 'plain_text', text: x(151) } }] },
      'invalid_blocks',
      /header.*151 characters/,
    ],
    ['a mrkdwn header', { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }, 'invalid_blocks', /must be plain_text/],
    ['a button of 76', { blocks: [{ type: 'actions', elements: [button(x(76))] }] }, 'invalid_blocks', /button text .* is 76 characters/],
    [
      'a button value of 2,001',
      { blocks: [{ type: 'actions', elements: [button('ok', { value: x(2_001) })] }] },
      'invalid_blocks',
      /value is 2001/,
    ],
    [
      'a confirm title of 101',
      { blocks: [{ type: 'actions', elements: [button('ok', { confirm: { title: { type: 'plain_text', text: x(101) } } })] }] },
      'invalid_blocks',
      /confirm\.title/,
    ],
    [
      'a section accessory button of 76',
      { blocks: [{ ...section('s'), accessory: button(x(76)) }] },
      'invalid_blocks',
      /accessory: button text/,
    ],
    [
      '26 elements in an actions block',
      { blocks: [{ type: 'actions', elements: Array.from({ length: 26 }, () => button('ok')) }] },
      'invalid_blocks',
      /26 elements \(1 to 25\)/,
    ],
    [
      '11 elements in a context block',
      { blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }] },
      'invalid_blocks',
      /11 elements \(1 to 10\)/,
    ],
    ['a top-level text of 40,001', { text: x(40_001) }, 'msg_too_long', /40001 characters/],
    [
      'markdown blocks of 12,001 in all',
      {
        blocks: [
          { type: 'markdown', text: x(6_000) },
          { type: 'markdown', text: x(6_001) },
        ],
      },
      'invalid_blocks',
      /markdown blocks add up to 12001/,
    ],
    [
      '12,001 characters of text in all',
      { blocks: [...Array.from({ length: 4 }, () => section(x(3_000))), { type: 'context', elements: [{ type: 'mrkdwn', text: 'x' }] }] },
      'msg_blocks_too_long',
      /12001 characters/,
    ],
    ['blocks that are not a list', { blocks: 'nope' }, 'invalid_blocks_format', /not an array/],
  ])('refused: %s', (_what, body, error, reason) => {
    const e = slackLimitError(body);
    expect(e?.error).toBe(error);
    expect(e?.reason).toMatch(reason);
  });
});

describe('FakeSlack answers like Slack and records nothing it refused', () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await new FakeSlack().start();
  });
  afterEach(() => slack.stop());

  const call = async (method: string, body: Record<string, unknown>) =>
    (await (
      await fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { ok: boolean; error?: string; ts?: string };

  test('chat.postMessage: a good message is posted; one past a limit is answered invalid_blocks and not posted', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await call('chat.postMessage', { channel: 'C0FEED', text: 'fine', blocks: [section('fine')] })).toMatchObject({ ok: true });
      expect(await call('chat.postMessage', { channel: 'C0FEED', text: 'long', blocks: [section(x(3_001))] })).toEqual({
        ok: false,
        error: 'invalid_blocks',
      });
      expect(await call('chat.postEphemeral', { channel: 'C0FEED', user: 'U0ANA', text: x(40_001) })).toEqual({
        ok: false,
        error: 'msg_too_long',
      });
      expect(slack.messages.map((m) => m.versions[0]!.text)).toEqual(['fine']);
      expect(slack.rejected.map((r) => [r.method, r.error])).toEqual([
        ['chat.postMessage', 'invalid_blocks'],
        ['chat.postEphemeral', 'msg_too_long'],
      ]);
      // Refused calls are told apart from posted ones, so counting posts counts only what Slack took.
      expect(slack.calls.map((c) => c.method)).toEqual([
        'chat.postMessage',
        'chat.postMessage!invalid_blocks',
        'chat.postEphemeral!msg_too_long',
      ]);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('FakeSlack refused chat.postMessage (invalid_blocks)'));
    } finally {
      stderr.mockRestore();
    }
  });

  test('chat.update past a limit leaves the message as it was; response_url answers past a limit are not recorded', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const posted = await call('chat.postMessage', { channel: 'C0FEED', text: 'v1', blocks: [section('v1')] });
      const blocks = Array.from({ length: 51 }, () => section('v2'));
      expect(await call('chat.update', { channel: 'C0FEED', ts: posted.ts, text: 'v2', blocks })).toEqual({
        ok: false,
        error: 'invalid_blocks',
      });
      expect(slack.messages[0]!.versions.map((v) => v.text)).toEqual(['v1']);

      const respond = (body: Record<string, unknown>) =>
        fetch(slack.responseUrl('r1'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json());
      expect(await respond({ text: 'bad', blocks: [{ type: 'header', text: { type: 'plain_text', text: x(151) } }] })).toEqual({
        ok: false,
        error: 'invalid_blocks',
      });
      expect(await respond({ text: 'good' })).toEqual({ ok: true });
      expect(slack.responses.get('r1')).toEqual([{ text: 'good' }]);
      // A test waiting for a refused message fails saying why.
      await expect(slack.waitFor('a message that never came', () => undefined, 50)).rejects.toThrow(
        /response_url r1 refused \(invalid_blocks\): blocks\[0\] \(header\)\.text is 151 characters/,
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
