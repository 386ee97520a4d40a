import { randomUUID } from 'node:crypto';
import { Harness } from '../helpers/harness';

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { SLACK_APP_TOKEN: 'xapp-1-A0FERRY-000-testapptoken', SLACK_SIGNING_SECRET: '' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const command = (text: string, responseId: string) => ({
    token: 'x',
    team_id: 'T0TEST',
    channel_id: 'C0GENERAL',
    user_id: 'U0ANA',
    user_name: 'ana',
    command: '/deploy',
    text,
    api_app_id: 'A0FERRY',
    response_url: h.slack.responseUrl(responseId),
    trigger_id: randomUUID(),
  });

  test('connects through SLACK_API_URL, acks a slash command over the socket, and deploys', async () => {
    const ack = await h.slack.sendEnvelope('slash_commands', command('dev main', 'sm1'));
    expect(ack).toEqual({});
    const answer = await h.answer('sm1');
    expect(answer).toContain('Accepted as *deploy #1*');
    await h.slack.waitForFeed(1, 'succeeded');
    const opened = h.slack.calls.find((c) => c.method === 'apps.connections.open');
    expect(opened?.auth).toBe('Bearer xapp-1-A0FERRY-000-testapptoken');
  });

  test('bad input is answered in the socket ack', async () => {
    const ack = await h.slack.sendEnvelope('slash_commands', command('prod', 'sm2'));
    expect(String(ack.text)).toContain('`web` has no environment `prod`');
  });

  test('/slack/events is not served in Socket Mode, and says why', async () => {
    const res = await fetch(`${h.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Socket Mode');
  });
});
