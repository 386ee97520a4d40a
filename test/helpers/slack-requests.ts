import { createHmac, randomUUID } from 'node:crypto';

export interface SignedResponse {
  status: number;
  body: string;
  ms: number;
}

/** Signs a body the way Slack does (v0 HMAC-SHA256 of "v0:<timestamp>:<body>"). */
export function sign(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sig };
}

export async function post(url: string, body: string, headers: Record<string, string>): Promise<SignedResponse> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - t0 };
}

/** A slash command's form body, with the fields Slack sends. */
export function slashBody(command: string, text: string, user: string, responseUrl: string): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'acme',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A0FERRY',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: `${Date.now()}.${randomUUID()}`,
  }).toString();
}

/** A button click's form body (block_actions). */
export function buttonBody(
  actionId: string,
  value: string,
  user: string,
  responseUrl: string,
  where?: { channel: string; ts: string },
): string {
  const channel = where?.channel ?? 'C0GENERAL';
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0FERRY',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: where?.ts ?? '1700000000.000100', channel_id: channel, is_ephemeral: !where },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: 'T0TEST', domain: 'acme' },
    channel: { id: channel, name: channel.startsWith('D') ? 'directmessage' : 'general' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b1',
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal's submission (view_submission), with `values` in Slack's view.state.values shape. */
export function viewSubmissionBody(
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, unknown>>,
  user: string,
): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0FERRY',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.${randomUUID()}`,
    view: {
      id: `V${randomUUID().slice(0, 8)}`,
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: '1',
      app_id: 'A0FERRY',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
