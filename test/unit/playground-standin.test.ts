import http from 'node:http';
import { makeRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/log';
import { eventFor } from '../../src/playground/page-events';
import { findAction } from '../../src/playground/find-action';
import { StandIn } from '../../src/playground/standin';
import { viewStateValues } from '../../src/playground/view-state';
import { WebApi } from '../../src/playground/web-api';
import { BOT_USER, dmId, FEED_CHANNEL, PEOPLE, Workspace } from '../../src/playground/workspace';

const TOKEN = 'xoxb-playground-unit-000000';
const AUTH = `Bearer ${TOKEN}`;
const [ALICE, BOB] = [PEOPLE[0]!.id, PEOPLE[1]!.id];

function setup(now = () => Date.now()) {
  const ws = new Workspace();
  const api = new WebApi(ws, TOKEN, () => 'http://127.0.0.1:3100/', now);
  return { ws, api };
}

describe('the stand-in Web API', () => {
  test('a call with the wrong token is refused as Slack refuses it, and posts nothing', () => {
    const { ws, api } = setup();
    expect(api.call('chat.postMessage', { channel: FEED_CHANNEL.id, text: 'hi' }, 'Bearer xoxb-wrong').body).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(api.call('chat.postMessage', { channel: FEED_CHANNEL.id, text: 'hi' }, undefined).body).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(ws.messages).toHaveLength(0);
  });

  test("posting to a person's ID lands in their DM with Ferry, which only they see", () => {
    const { ws, api } = setup();
    const r = api.call('chat.postMessage', { channel: BOB, text: 'It is yours to take' }, AUTH);
    expect(r.body).toMatchObject({ ok: true, channel: dmId(BOB) });
    expect(ws.visibleTo(BOB).map((m) => m.text)).toEqual(['It is yours to take']);
    expect(ws.visibleTo(ALICE)).toHaveLength(0);
  });

  test('chat.update edits the message in place; an unknown ts is message_not_found', () => {
    const { ws, api } = setup();
    const posted = api.call('chat.postMessage', { channel: FEED_CHANNEL.id, text: 'queued' }, AUTH).body;
    const r = api.call('chat.update', { channel: FEED_CHANNEL.id, ts: posted.ts, text: 'running' }, AUTH);
    expect(r.body).toMatchObject({ ok: true, ts: posted.ts });
    expect(ws.messages).toHaveLength(1);
    expect(ws.messages[0]).toMatchObject({ text: 'running', edited: true });
    expect(api.call('chat.update', { channel: FEED_CHANNEL.id, ts: '1.000001', text: 'x' }, AUTH).body).toEqual({
      ok: false,
      error: 'message_not_found',
    });
  });

  test('a thread reply needs its parent; unknown methods say unknown_method', () => {
    const { api } = setup();
    expect(api.call('chat.postMessage', { channel: FEED_CHANNEL.id, text: 'log', thread_ts: '9.000001' }, AUTH).body).toEqual({
      ok: false,
      error: 'thread_not_found',
    });
    expect(api.call('admin.teams.create', {}, AUTH)).toMatchObject({ status: 404, body: { ok: false, error: 'unknown_method' } });
  });

  test('response_url answers privately by default, replaces or deletes the clicked message when asked, and allows five uses', () => {
    const { ws, api } = setup();
    const clicked = ws.post({ channel: FEED_CHANNEL.id, author: BOT_USER, text: 'Join?', blocks: [], ephemeralTo: BOB });
    const id = api.responseTarget({ user: BOB, channel: FEED_CHANNEL.id, messageId: clicked.id });
    api.respond(id, { text: 'You are #1 on the wait-list' });
    expect(ws.visibleTo(BOB).map((m) => m.text)).toEqual(['Join?', 'You are #1 on the wait-list']);
    expect(ws.visibleTo(ALICE)).toHaveLength(0);
    api.respond(id, { text: 'Replaced', replace_original: true });
    expect(ws.byId(clicked.id)).toMatchObject({ text: 'Replaced', edited: true });
    api.respond(id, { delete_original: true });
    expect(ws.byId(clicked.id)).toBeUndefined();
    api.respond(id, { text: 'four', response_type: 'in_channel' });
    expect(ws.visibleTo(ALICE).map((m) => m.text)).toEqual(['four']);
    expect(api.respond(id, { text: 'five' }).status).toBe(200);
    expect(api.respond(id, { text: 'six' }).body).toEqual({ ok: false, error: 'used_url' });
  });

  test('views.open takes a trigger_id for 3 seconds, once', () => {
    let now = 1_000_000;
    const { ws, api } = setup(() => now);
    const view = { type: 'modal', title: { type: 'plain_text', text: 'Hold' }, blocks: [] };
    const fresh = api.trigger(ALICE);
    expect(api.call('views.open', { trigger_id: fresh, view }, AUTH).body).toMatchObject({ ok: true, view: { type: 'modal' } });
    expect(ws.views.size).toBe(1);
    expect(api.call('views.open', { trigger_id: fresh, view }, AUTH).body).toEqual({ ok: false, error: 'invalid_trigger_id' });
    const late = api.trigger(ALICE);
    now += 3_001;
    expect(api.call('views.open', { trigger_id: late, view }, AUTH).body).toEqual({ ok: false, error: 'expired_trigger_id' });
  });
});

describe('what each person sees', () => {
  test('an ephemeral message reaches only its person; a DM only its owner; a feed message everyone', () => {
    const ws = new Workspace();
    const seen: Record<string, string[]> = { [ALICE]: [], [BOB]: [] };
    ws.on('change', (c) => {
      for (const u of [ALICE, BOB]) {
        const e = eventFor(ws, u, c);
        if (e?.event === 'message') seen[u]!.push((e.data as { id: string }).id);
      }
    });
    const eph = ws.post({ channel: FEED_CHANNEL.id, author: BOT_USER, text: 'Accepted as deploy #1', blocks: [], ephemeralTo: ALICE });
    const dm = ws.post({ channel: dmId(BOB), author: BOT_USER, text: 'yours', blocks: [] });
    const feed = ws.post({ channel: FEED_CHANNEL.id, author: BOT_USER, text: 'Deploy #1', blocks: [] });
    expect(seen[ALICE]).toEqual([eph.id, feed.id]);
    expect(seen[BOB]).toEqual([dm.id, feed.id]);
  });
});

describe('modal submissions', () => {
  const blocks = [
    { type: 'input', block_id: 'reason', element: { type: 'plain_text_input', action_id: 'text' } },
    {
      type: 'input',
      block_id: 'until',
      element: { type: 'static_select', action_id: 'pick', options: [{ text: { type: 'plain_text', text: 'Tomorrow' }, value: '1d' }] },
    },
    {
      type: 'input',
      element: {
        type: 'checkboxes',
        action_id: 'who',
        options: [
          { text: { type: 'plain_text', text: 'QA' }, value: 'qa' },
          { text: { type: 'plain_text', text: 'Ops' }, value: 'ops' },
        ],
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: 'not an input' } },
  ];

  test("form values become Slack's state.values, with options looked up in the view", () => {
    expect(viewStateValues(blocks, { 'reason/text': 'totals wrong', 'until/pick': '1d', 'b2/who': ['ops', 'qa'] })).toEqual({
      reason: { text: { type: 'plain_text_input', value: 'totals wrong' } },
      until: { pick: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Tomorrow' }, value: '1d' } } },
      b2: {
        who: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'plain_text', text: 'Ops' }, value: 'ops' },
            { text: { type: 'plain_text', text: 'QA' }, value: 'qa' },
          ],
        },
      },
    });
  });

  test('an empty field is null and an answer that is not one of the options is dropped', () => {
    expect(viewStateValues(blocks, { 'reason/text': '', 'until/pick': 'forever', 'b2/who': ['root'] })).toEqual({
      reason: { text: { type: 'plain_text_input', value: null } },
      until: { pick: { type: 'static_select', selected_option: null } },
      b2: { who: { type: 'checkboxes', selected_options: [] } },
    });
  });
});

describe('the stand-in over HTTP', () => {
  let standin: StandIn;
  beforeAll(async () => {
    // No Ferry behind it: these requests never get as far as /slack/events.
    standin = new StandIn({
      ws: new Workspace(),
      botToken: TOKEN,
      signingSecret: 'unused-secret',
      eventsUrl: 'http://127.0.0.1:9/slack/events',
      commands: ['/deploy'],
      log: createLogger('silent', makeRedactor([])),
    });
    await standin.listen(0);
  });
  afterAll(() => standin.close());

  const ui = (headers: Record<string, string>, body = JSON.stringify({ user: ALICE, channel: FEED_CHANNEL.id, text: 'hello' })) =>
    fetch(`${standin.url}ui/command`, { method: 'POST', headers, body });

  test('another website cannot act as a playground user: cross-site and non-JSON posts are refused', async () => {
    expect((await ui({ 'content-type': 'text/plain' })).status).toBe(403);
    expect((await ui({ 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403);
    expect((await ui({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const ok = await ui({ 'content-type': 'application/json', origin: standin.url.replace(/\/$/, ''), 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
  });

  test('a page served under another host name gets nothing (DNS rebinding)', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: standin.port, path: '/', headers: { host: 'attacker.example:3100' } }, (r) =>
        resolve(r.statusCode!),
      );
      req.on('error', reject);
      req.end();
    });
    expect(res).toBe(421);
  });

  test('form-encoded Web API calls decode blocks from JSON, and leave other fields as the strings they are', async () => {
    const form = new URLSearchParams({ channel: FEED_CHANNEL.id, text: '[1]', blocks: JSON.stringify([{ type: 'divider' }]) });
    const res = await fetch(`${standin.url}api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = (await res.json()) as { ok: boolean; message: { text: string } };
    expect(body).toMatchObject({ ok: true, message: { text: '[1]' } });
  });
});

describe('a click', () => {
  const blocks = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: 'Locked' },
      accessory: { type: 'button', text: { type: 'plain_text', text: ':lock: Ask' }, value: 'ask' },
    },
    {
      type: 'actions',
      block_id: 'acts',
      elements: [
        {
          type: 'button',
          action_id: 'waitlist_join',
          text: { type: 'plain_text', text: 'Join' },
          value: '{"app":"web"}',
          style: 'primary',
        },
      ],
    },
  ];

  test('is sent with the element as the message defined it, found by the ids the page shows', () => {
    expect(findAction(blocks, 'acts', 'waitlist_join')).toEqual({
      blockId: 'acts',
      actionId: 'waitlist_join',
      element: blocks[1]!.elements![0],
    });
    expect(findAction(blocks, 'b0', 'a0')?.element).toMatchObject({ value: 'ask', text: { text: ':lock: Ask' } });
  });

  test('on a button the message no longer has finds nothing', () => {
    expect(findAction(blocks, 'acts', 'other')).toBeUndefined();
    expect(findAction(blocks, 'b9', 'a9')).toBeUndefined();
    expect(findAction('junk', 'b0', 'a0')).toBeUndefined();
  });
});
