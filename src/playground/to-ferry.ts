import { createHmac } from 'node:crypto';
import type { FoundAction } from './find-action';
import { viewJson, type WebApi } from './web-api';
import { APP_ID, BOT_USER, type Message, type OpenView, type Person, SLACKBOT, TEAM_ID, type Workspace } from './workspace';

/** Slack gives an app 3 seconds to ack, then tells the person the command failed. */
const ACK_TIMEOUT_MS = 3_000;

export interface Delivery {
  status: number;
  /** The ack's JSON body, when it has one. */
  body?: Record<string, unknown>;
  /** What went wrong, as Slack would tell the person (timeout, HTTP error). */
  error?: string;
}

/**
 * Sends what people do in the playground to Ferry's /slack/events exactly as Slack does: form
 * bodies (`payload=` JSON for interactions), signed with the signing secret, with a trigger_id and
 * a response_url of the stand-in's own.
 */
export class ToFerry {
  constructor(
    private readonly d: {
      ws: Workspace;
      api: WebApi;
      /** Ferry's request URL, e.g. http://127.0.0.1:3000/slack/events. */
      eventsUrl: string;
      signingSecret: string;
      /** Base of the stand-in's response_url endpoints, e.g. http://127.0.0.1:3100/respond/. */
      responseBase: () => string;
    },
  ) {}

  /** A slash command typed in `channel`; an ack with a body is shown to the person, as Slack does. */
  async command(user: Person, channelId: string, command: string, text: string): Promise<Delivery> {
    const channel = this.d.ws.channels.get(channelId)!;
    const responseUrl = this.d.responseBase() + this.d.api.responseTarget({ user: user.id, channel: channel.id });
    const form = new URLSearchParams({
      token: 'playground-verification-token',
      team_id: TEAM_ID,
      team_domain: 'playground',
      channel_id: channel.id,
      channel_name: channel.dmWith ? 'directmessage' : channel.name,
      user_id: user.id,
      user_name: user.name,
      command,
      text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: this.d.api.trigger(user.id),
    });
    const res = await this.send(form.toString());
    if (res.error) this.tell(user.id, channel.id, `${command} failed with the error "${res.error}"`);
    else if (res.body && (res.body.text || res.body.blocks)) {
      const inChannel = res.body.response_type === 'in_channel';
      this.d.ws.post({
        channel: channel.id,
        author: BOT_USER,
        text: String(res.body.text ?? ''),
        blocks: Array.isArray(res.body.blocks) ? res.body.blocks : [],
        ...(!inChannel && { ephemeralTo: user.id }),
      });
    }
    return res;
  }

  /** A click on an element of `message` (found in its blocks with findAction). */
  async action(user: Person, message: Message, action: FoundAction): Promise<Delivery> {
    const channel = this.d.ws.channels.get(message.channel)!;
    const responseUrl = this.d.responseBase() + this.d.api.responseTarget({ user: user.id, channel: channel.id, messageId: message.id });
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: TEAM_ID },
      api_app_id: APP_ID,
      token: 'playground-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: channel.id,
        is_ephemeral: !!message.ephemeralTo,
        ...(message.threadTs && { thread_ts: message.threadTs }),
      },
      trigger_id: this.d.api.trigger(user.id),
      team: { id: TEAM_ID, domain: 'playground' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel.id, name: channel.dmWith ? 'directmessage' : channel.name },
      ...(!message.ephemeralTo && {
        message: {
          type: 'message',
          user: message.author,
          ts: message.ts,
          text: message.text,
          blocks: message.blocks,
          ...(message.threadTs && { thread_ts: message.threadTs }),
        },
      }),
      state: { values: {} },
      response_url: responseUrl,
      // The element as the app defined it (type, text, value, style, url, confirm), plus Slack's ids.
      actions: [{ ...action.element, action_id: action.actionId, block_id: action.blockId, action_ts: (Date.now() / 1000).toFixed(6) }],
    };
    const res = await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    if (res.error) this.tell(user.id, channel.id, `Ferry didn't answer that click in time (${res.error}). Try again.`);
    return res;
  }

  /** A modal submitted with these input values (view.state.values). */
  async submitView(user: Person, open: OpenView, values: Record<string, unknown>): Promise<Delivery> {
    const payload = {
      type: 'view_submission',
      team: { id: TEAM_ID, domain: 'playground' },
      user: { id: user.id, username: user.name, name: user.name, team_id: TEAM_ID },
      api_app_id: APP_ID,
      token: 'playground-verification-token',
      trigger_id: this.d.api.trigger(user.id),
      view: viewJson(open.id, open.view, values),
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }

  /** A modal closed with Cancel: Slack tells the app only when the view asked (notify_on_close). */
  async closeView(user: Person, open: OpenView): Promise<void> {
    if (open.view.notify_on_close !== true) return;
    const payload = {
      type: 'view_closed',
      team: { id: TEAM_ID, domain: 'playground' },
      user: { id: user.id, username: user.name, team_id: TEAM_ID },
      api_app_id: APP_ID,
      token: 'playground-verification-token',
      view: viewJson(open.id, open.view),
      is_cleared: false,
    };
    await this.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }

  private async send(body: string): Promise<Delivery> {
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', this.d.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
    try {
      const res = await fetch(this.d.eventsUrl, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': signature,
        },
        signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status !== 200) return { status: res.status, error: `http_error (${res.status})` };
      return { status: 200, ...(text.trim().startsWith('{') && { body: JSON.parse(text) as Record<string, unknown> }) };
    } catch (err) {
      const name = (err as Error).name;
      return { status: 0, error: name === 'TimeoutError' ? 'operation_timeout' : 'dispatch_failed' };
    }
  }

  /** Slack's own ephemeral note ("/deploy failed with the error ...") from Slackbot. */
  private tell(user: string, channel: string, text: string): void {
    this.d.ws.post({ channel, author: SLACKBOT, text, blocks: [], ephemeralTo: user });
  }
}
