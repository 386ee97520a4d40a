import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CANCEL_ACTION } from '../../src/core/cancel';
import { WAITLIST_ACTION } from '../../src/core/fix-buttons';
import { FIELDS_VIEW, HOLD_VIEW, RELEASE_SHIP } from '../../src/core/release/actions';
import { FERRY_LISTENERS, isSlashCommandBody, type Screened, screenHttp, screenSocket } from '../../src/slack/request-shape';
import { fuzz } from '../helpers/fuzz';

const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
const screenForm = (fields: Record<string, string>) => screenHttp(FORM, form(fields));
const screenPayload = (payload: unknown) => screenForm({ payload: JSON.stringify(payload) });

const command = (over: Record<string, string> = {}) => ({
  token: 'x',
  team_id: 'T0TEST',
  channel_id: 'C0GENERAL',
  user_id: 'U0ANA',
  user_name: 'ana',
  command: '/deploy',
  text: 'dev main',
  response_url: 'https://hooks.slack.com/commands/T0/1/abc',
  trigger_id: '1234.5678.abcdef',
  ...over,
});
const click = (over: Record<string, unknown> = {}, act: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  user: { id: 'U0ANA', team_id: 'T0TEST' },
  team: { id: 'T0TEST' },
  trigger_id: '1234.5678.abcdef',
  response_url: 'https://hooks.slack.com/actions/T0/1/abc',
  container: { type: 'message', channel_id: 'C0FEED', message_ts: '1.2' },
  channel: { id: 'C0FEED' },
  actions: [{ type: 'button', action_id: CANCEL_ACTION, block_id: 'b', value: '12', ...act }],
  ...over,
});
const submission = (over: Record<string, unknown> = {}, view: Record<string, unknown> = {}) => ({
  type: 'view_submission',
  user: { id: 'U0ANA' },
  team: { id: 'T0TEST' },
  view: {
    id: 'V1',
    callback_id: HOLD_VIEW,
    private_metadata: '{"id":1}',
    state: { values: { reason: { reason: { type: 'plain_text_input', value: 'QA found a bug' } } } },
    ...view,
  },
  ...over,
});

const kind = (s: Screened) => s.kind;
const reason = (s: Screened) => (s.kind === 'bad' ? s.reason : '');

describe('the known listeners are the ones registered', () => {
  test('every command, action and view the listeners register, and nothing else', () => {
    const seen = { commands: new Set<string>(), actions: new Set<string>(), views: new Set<string>() };
    const recorder = {
      command: (id: unknown) => seen.commands.add(id as string),
      action: (id: unknown) => seen.actions.add(id as string),
      view: (id: unknown) => seen.views.add(id as string),
    };
    // Every register* function in the listener folders (a new file is picked up by itself).
    for (const dir of ['actions', 'commands']) {
      const folder = path.join(__dirname, '../../src/slack', dir);
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
        const mod = require(path.join(folder, file)) as Record<string, unknown>;
        for (const [name, fn] of Object.entries(mod)) if (name.startsWith('register') && typeof fn === 'function') fn(recorder, {});
      }
    }
    for (const ids of Object.values(seen)) for (const id of ids) expect(typeof id).toBe('string');
    expect([...seen.commands].sort()).toEqual([...FERRY_LISTENERS.commands].sort());
    expect([...seen.actions].sort()).toEqual([...FERRY_LISTENERS.actions].sort());
    expect([...seen.views].sort()).toEqual([...FERRY_LISTENERS.views].sort());
  });
});

describe('slash commands', () => {
  test('one Ferry registers goes to Bolt, also with empty text', () => {
    expect(screenForm(command())).toEqual({ kind: 'bolt', what: 'command /deploy' });
    expect(kind(screenForm(command({ text: '' })))).toBe('bolt');
    // Slack's exact header, or with a charset: the same form.
    expect(kind(screenHttp('Application/X-WWW-Form-Urlencoded; charset=utf-8', form(command())))).toBe('bolt');
  });

  test("one Ferry doesn't register is acked with a note that lists Ferry's commands", () => {
    const s = screenForm(command({ command: '/weather' }));
    expect(s).toMatchObject({ kind: 'ack', body: { response_type: 'ephemeral' } });
    expect(String((s as { body?: { text?: string } }).body?.text)).toMatch(
      /^Ferry doesn't handle `\/weather`\. Its commands are `\/deploy`, .*`\/release`; `\/deploy help` explains them\.$/,
    );
  });

  test.each([
    ['no user_id', { user_id: undefined }, /`user_id`: is missing/],
    ['a user_id that could break out of a mention', { user_id: 'U1> <!channel' }, /`user_id`: is not a Slack ID/],
    ['no text', { text: undefined }, /`text`: is missing/],
    ['no trigger_id', { trigger_id: undefined }, /`trigger_id`: is missing/],
    ['a response_url that is not http(s)', { response_url: 'file:///etc/passwd' }, /`response_url`: is not an http\(s\) URL/],
    ['a command that is not one', { command: 'deploy' }, /`command`: is not a slash command/],
    ['an `event` field, which Bolt would route as an event', { event: 'x' }, /does not carry `event`/],
  ])('%s is refused', (_name, over, expected) => {
    const fields = Object.fromEntries(Object.entries(command(over as Record<string, string>)).filter(([, v]) => v !== undefined));
    expect(reason(screenForm(fields))).toMatch(expected);
  });

  test('a field sent twice is refused (Bolt would read an array)', () => {
    expect(reason(screenHttp(FORM, Buffer.from(`${form(command()).toString()}&text=again`)))).toBe('`text` appears more than once');
  });
});

describe('interactions (payload=)', () => {
  test.each([['null'], ['123'], ['true'], ['"text"'], ['[]'], ['[{"type":"block_actions"}]']])('payload=%s is not an object', (p) => {
    expect(reason(screenHttp(FORM, Buffer.from(`payload=${encodeURIComponent(p)}`)))).toBe('`payload` is not a JSON object');
  });

  test('unparseable or truncated JSON, and a payload sent twice, are refused', () => {
    expect(reason(screenForm({ payload: '{"type":"block_actions","user":{"id":"U1"' }))).toBe('`payload` is not JSON');
    expect(reason(screenHttp(FORM, Buffer.from('payload=%7B%7D&payload=%7B%7D')))).toBe('`payload` appears more than once');
  });

  test.each([
    ['no user', { user: undefined }, /payload `user`: is missing/],
    ['a user that is a string', { user: 'U0ANA' }, /payload `user`: must be an object/],
    ['a user without an id', { user: { name: 'ana' } }, /payload `user.id`: is missing/],
    ['no type', { type: undefined }, /payload `type`: is missing/],
  ])('%s is refused', (_name, over, expected) => {
    expect(reason(screenPayload(JSON.parse(JSON.stringify(click(over)))))).toMatch(expected);
  });

  test.each([['view_closed'], ['message_action'], ['shortcut'], ['dialog_submission'], ['interactive_message'], ['something_new']])(
    '%s, which Ferry has no listener for, is acked empty',
    (type) => {
      expect(screenPayload({ type, user: { id: 'U0ANA' } })).toEqual({ kind: 'ack', what: type });
    },
  );

  test('block_suggestion is acked with no options', () => {
    expect(screenPayload({ type: 'block_suggestion', user: { id: 'U0ANA' }, action_id: 'x', value: 'a' })).toMatchObject({
      kind: 'ack',
      body: { options: [] },
    });
  });

  test("a click on one of Ferry's buttons goes to Bolt; on any other button it is acked", () => {
    expect(screenPayload(click())).toEqual({ kind: 'bolt', what: `action ${CANCEL_ACTION}` });
    expect(kind(screenPayload(click({}, { action_id: RELEASE_SHIP })))).toBe('bolt');
    expect(kind(screenPayload(click({ response_url: undefined }, { action_id: WAITLIST_ACTION, value: undefined })))).toBe('bad');
    expect(screenPayload(click({}, { action_id: 'someone_elses_button' }))).toEqual({ kind: 'ack', what: 'action someone_elses_button' });
  });

  test.each([
    ['no actions', { actions: [] }, /`actions`/],
    ['actions that is a string', { actions: 'x' }, /`actions`: must be an array/],
    ['an action that is a number', { actions: [5] }, /`actions.0`: must be an object/],
    ['an action value that is a number', { actions: [{ action_id: CANCEL_ACTION, value: 12 }] }, /`actions.0.value`: must be a string/],
    ['channel: null (Bolt reads channel.id)', { channel: null }, /`channel`: must be an object/],
    ['a container whose channel is a number', { container: { channel_id: 5 } }, /`container.channel_id`: must be a string/],
    ['no response_url', { response_url: undefined }, /`response_url`: is missing/],
    ['a `command` field, which Bolt would route as a command', { command: '/deploy' }, /does not carry `command`/],
    ['a `name` field, which Bolt would route as options', { name: 'x' }, /does not carry `name`/],
  ])('a click with %s is refused', (_name, over, expected) => {
    expect(reason(screenPayload(JSON.parse(JSON.stringify(click(over)))))).toMatch(expected);
  });

  test("a submission of Ferry's modals goes to Bolt; of any other view it is acked", () => {
    expect(screenPayload(submission())).toEqual({ kind: 'bolt', what: `view ${HOLD_VIEW}` });
    expect(kind(screenPayload(submission({}, { callback_id: FIELDS_VIEW, state: { values: {} } })))).toBe('bolt');
    expect(screenPayload(submission({}, { callback_id: 'another_apps_view' }))).toEqual({ kind: 'ack', what: 'view another_apps_view' });
  });

  test.each([
    ['no view', { view: undefined }, /`view`: is missing/],
    ['no state', { view: { callback_id: HOLD_VIEW } }, /`view.state`: is missing/],
    [
      'a state value that is a number',
      { view: { callback_id: HOLD_VIEW, state: { values: { reason: { reason: { value: 5 } } } } } },
      /`view.state.values.reason.reason.value`/,
    ],
    [
      'private_metadata that is an object',
      { view: { callback_id: HOLD_VIEW, private_metadata: { id: 1 }, state: { values: {} } } },
      /`view.private_metadata`: must be a string/,
    ],
    ['an `actions` field, which Bolt would route as a click', { actions: [{ action_id: 'x' }] }, /does not carry `actions`/],
  ])('a submission with %s is refused', (_name, over, expected) => {
    expect(reason(screenPayload(JSON.parse(JSON.stringify(submission(over)))))).toMatch(expected);
  });
});

describe('other bodies', () => {
  test('ssl_check=1 is acked', () => {
    expect(screenForm({ ssl_check: '1', token: 'x' })).toEqual({ kind: 'ack', what: 'ssl_check' });
  });

  test('the Events API: the URL check is answered with its challenge, events are acked, anything else refused', () => {
    const json = (v: unknown) => screenHttp('application/json', Buffer.from(JSON.stringify(v)));
    expect(json({ type: 'url_verification', challenge: 'abc' })).toEqual({
      kind: 'ack',
      what: 'url_verification',
      body: { challenge: 'abc' },
    });
    expect(kind(json({ type: 'event_callback', event: { type: 'app_mention' } }))).toBe('ack');
    expect(reason(json({ type: 'url_verification' }))).toBe('url_verification without a `challenge`');
    expect(reason(json({ type: 'event_callback', event: 'x' }))).toBe('event_callback without an `event` that has a `type`');
    expect(reason(json(null))).toBe('the body is not a JSON object');
    expect(reason(screenHttp('application/json', Buffer.from('{"type":')))).toBe('the body is not JSON');
  });

  test('a form with neither command nor payload, or another Content-Type, is refused', () => {
    expect(reason(screenForm({ text: 'hello' }))).toMatch(/carries `command` .* or `payload`/);
    expect(reason(screenHttp('text/plain', form(command())))).toMatch(/not `text\/plain`/);
    expect(reason(screenHttp(undefined, form(command())))).toMatch(/not a body without a Content-Type/);
  });

  test('Socket Mode envelopes are screened by their type', () => {
    expect(kind(screenSocket('slash_commands', command()))).toBe('bolt');
    expect(kind(screenSocket('slash_commands', null))).toBe('bad');
    expect(reason(screenSocket('interactive', null))).toBe('`payload` is not a JSON object');
    expect(kind(screenSocket('interactive', click()))).toBe('bolt');
    expect(kind(screenSocket('events_api', { type: 'event_callback', event: { type: 'x' } }))).toBe('ack');
    expect(kind(screenSocket('something_else', {}))).toBe('ack');
  });

  test('isSlashCommandBody tells a command from an interaction', () => {
    expect(isSlashCommandBody(form(command()))).toBe(true);
    expect(isSlashCommandBody(form({ payload: '{}', command: '/deploy' }))).toBe(false);
    expect(isSlashCommandBody(undefined)).toBe(false);
  });
});

describe('never throws', () => {
  // Seeded, so a failure is reproducible; fast-check prints the seed and the shrunk counterexample.
  const params = fuzz(500);
  const contentTypes = fc.constantFrom(undefined, FORM, `${FORM}; charset=utf-8`, 'application/json', 'text/plain', '');

  test('whatever the body and Content-Type, the answer is one of bolt, ack or bad', () => {
    fc.assert(
      fc.property(
        contentTypes,
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.json().map((j) => `payload=${encodeURIComponent(j)}`),
        ),
        (type, body) => {
          expect(['bolt', 'ack', 'bad']).toContain(screenHttp(type, Buffer.from(body)).kind);
        },
      ),
      params,
    );
  });

  test('whatever the payload JSON, the answer is one of bolt, ack or bad', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('block_actions', 'view_submission', 'block_suggestion'), (value, type) => {
        const merged =
          typeof value === 'object' && value !== null && !Array.isArray(value) ? { type, user: { id: 'U1' }, ...value } : value;
        expect(['bolt', 'ack', 'bad']).toContain(screenPayload(merged).kind);
      }),
      params,
    );
  });
});
