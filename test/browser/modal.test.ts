import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Browser } from 'playwright-core';
import { makeRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/log';
import { StandIn } from '../../src/playground/standin';
import { Workspace } from '../../src/playground/workspace';
import { launchBrowser } from '../helpers/browser';
import { freePort } from '../helpers/ports';

// The stand-in's modals against a real Bolt app (which checks every request's Slack signature):
// a command opens a modal with views.open, its submission comes back as view_submission with
// Slack's state.values, field errors from the ack show in the modal, and a good submission closes it.

const SECRET = 'modal-test-signing-secret-0123456789';
const TOKEN = 'xoxb-modal-test-0000000000-abcdefabcdef';

let browser: Browser;
let standin: StandIn;
let bolt: App;
let receiver: HTTPReceiver;
const submissions: Record<string, unknown>[] = [];

beforeAll(async () => {
  const ws = new Workspace();
  receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const boltPort = await freePort();
  standin = new StandIn({
    ws,
    botToken: TOKEN,
    signingSecret: SECRET,
    eventsUrl: `http://127.0.0.1:${boltPort}/slack/events`,
    commands: ['/hold'],
    log: createLogger('silent', makeRedactor([])),
  });
  await standin.listen(0);
  bolt = new App({ token: TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: `${standin.url}api/` } });
  bolt.command('/hold', async ({ ack, body, client }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'hold',
        private_metadata: body.channel_id,
        title: { type: 'plain_text', text: 'Hold the release' },
        submit: { type: 'plain_text', text: 'Hold' },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: { type: 'plain_text', text: 'Why?' },
            element: { type: 'plain_text_input', action_id: 'text', multiline: true },
          },
          {
            type: 'input',
            block_id: 'until',
            label: { type: 'plain_text', text: 'Until' },
            element: {
              type: 'static_select',
              action_id: 'pick',
              options: [
                { text: { type: 'plain_text', text: 'Tomorrow' }, value: '1d' },
                { text: { type: 'plain_text', text: 'Next week' }, value: '1w' },
              ],
            },
          },
        ],
      },
    });
  });
  bolt.view('hold', async ({ ack, view, client }) => {
    const values = view.state.values;
    submissions.push(values);
    const reason = values.reason?.text?.value ?? '';
    if (reason.trim().length < 5)
      return ack({ response_action: 'errors', errors: { reason: 'Say why in a few words, so the authors know what to fix.' } });
    await ack();
    const until = values.until?.pick?.selected_option?.text.text ?? 'further notice';
    await client.chat.postMessage({ channel: view.private_metadata, text: `Held until ${until}: ${reason}` });
  });
  await receiver.start(boltPort);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await standin?.close();
  await receiver?.stop();
});

test('a modal opened with views.open shows its inputs, shows field errors from the ack, and closes on a good submission', async () => {
  const page = await browser.newPage();
  await page.goto(standin.url);
  await page.locator('#status[data-state="live"]').waitFor();
  await page.fill('#text', '/hold');
  await page.press('#text', 'Enter');

  const modal = page.locator('#modal form.bk-modal');
  await modal.waitFor();
  expect(await modal.locator('h2').innerText()).toBe('Hold the release');
  await modal.locator('textarea').fill('bad');
  await modal.locator('select').selectOption('1w');
  await modal.locator('button[type="submit"]').click();
  await modal.getByText('Say why in a few words').waitFor();
  expect(submissions[0]).toEqual({
    reason: { text: { type: 'plain_text_input', value: 'bad' } },
    until: { pick: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Next week' }, value: '1w' } } },
  });

  await modal.locator('textarea').fill('the checkout totals are wrong');
  await modal.locator('button[type="submit"]').click();
  await page.locator('#modal').waitFor({ state: 'hidden' });
  await page.locator('#messages article.msg', { hasText: 'Held until Next week: the checkout totals are wrong' }).waitFor();
  await page.close();
});
