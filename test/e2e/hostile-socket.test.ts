import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Harness } from '../helpers/harness';
import { fuzz, fuzzTimeout, mutatedPayload } from '../helpers/hostile';

// Socket Mode gets the same screen as HTTP: an envelope Ferry has no listener for is acked at once,
// a malformed one is acked and dropped (a socket has no 400), and a message Slack's SDK itself
// can't read is ignored instead of ending the process (Jest would fail the test if it rejected).
describe('hostile envelopes over Socket Mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ role: 'app', env: { SLACK_APP_TOKEN: 'xapp-1-A0FERRY-000-testapptoken', SLACK_SIGNING_SECRET: '' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const command = (name: string, text: string) => ({
    token: 'x',
    team_id: 'T0TEST',
    channel_id: 'C0GENERAL',
    user_id: 'U0ANA',
    user_name: 'ana',
    command: name,
    text,
    api_app_id: 'A0FERRY',
    response_url: h.slack.responseUrl(randomUUID()),
    trigger_id: randomUUID(),
  });
  const send = (type: string, payload: unknown) => h.slack.sendEnvelope(type, payload as Record<string, unknown>);

  test('malformed envelopes are acked empty, others answered as over HTTP, and the app keeps answering', async () => {
    // What Slack's SDK can't read (no object, no payload) is not acked, and stops nothing.
    for (const raw of [
      'null',
      '123',
      '"x"',
      '[]',
      '{',
      '{"type":"events_api","envelope_id":"e1","payload":null}',
      '{"type":"interactive","envelope_id":"e2"}',
    ])
      await h.slack.sendRaw(raw);
    expect(await send('interactive', null)).toEqual({});
    expect(await send('interactive', 123)).toEqual({});
    expect(await send('interactive', { type: 'block_actions', user: 'U0ANA' })).toEqual({});
    expect(await send('interactive', { type: 'view_closed', user: { id: 'U0ANA' }, view: { id: 'V1' } })).toEqual({});
    expect(await send('interactive', { type: 'block_suggestion', user: { id: 'U0ANA' }, action_id: 'x' })).toEqual({ options: [] });
    expect(await send('slash_commands', null)).toEqual({});
    expect(await send('slash_commands', { ...command('/deploy', 'help'), user_id: undefined })).toEqual({});
    expect(String((await send('slash_commands', command('/weather', 'today'))).text)).toContain("Ferry doesn't handle `/weather`.");
    expect(await send('events_api', { type: 'event_callback', event: { type: 'app_mention' } })).toEqual({});
    expect(String((await send('slash_commands', command('/deploy', 'help'))).text)).toContain('*Deploy:*');
  });

  test(
    'any interaction payload is acked within 1 s',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue(), mutatedPayload(h.slack.responseUrl('fuzz'))), async (payload) => {
          const t0 = performance.now();
          await send('interactive', payload);
          expect(performance.now() - t0).toBeLessThan(1_000);
        }),
        fuzz(100),
      );
    },
    fuzzTimeout(100, 50),
  );
});
