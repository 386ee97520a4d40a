import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { HTTPReceiverOptions, SocketModeReceiverOptions } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Redactor } from '../core/redact';
import { isSlashCommandBody, type Screened, screenSocket } from './request-shape';

/**
 * How long Bolt waits for a listener's ack before answering for it. Above the modals' 2 s submit
 * deadline (release-views.ts); the request screen keeps requests no listener takes from Bolt, so
 * this only catches a listener that failed to ack.
 */
export const UNACKED_AFTER_MS = 2_500;

type AckBody = Record<string, unknown> | undefined;

const failedText = (ref: string): string =>
  `Something went wrong on Ferry's side (reference \`${ref}\`), and I can't say whether your request went through. Check the deploy feed, then try again; if it keeps happening, give the reference to whoever runs Ferry.`;
const ephemeral = (text: string): AckBody => ({ response_type: 'ephemeral', text });

/** A Slack request answered 200 with `body` (JSON) or nothing: Slack's ack. */
export function sendAck(res: ServerResponse, body?: AckBody): void {
  if (res.headersSent) return;
  res.writeHead(200, body ? { 'content-type': 'application/json' } : {});
  res.end(body ? JSON.stringify(body) : undefined);
}

/** Answers a screened request Bolt does not get: 400 with the reason, or a 200 ack. */
export function answerWithoutBolt(res: ServerResponse, s: Exclude<Screened, { kind: 'bolt' }>, log: Logger): void {
  if (s.kind === 'ack') {
    log.debug({ what: s.what }, 'acked a Slack request Ferry has no listener for');
    sendAck(res, s.body);
    return;
  }
  log.warn({ reason: s.reason }, 'refused a signed request to /slack/events that is not a Slack request');
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`Not a Slack request: ${s.reason}.\n`);
}

/**
 * The last resort for a request handed to Bolt: should Bolt die before answering it (outside the
 * reach of its own error handlers, as when `payload=null` crashed it), the request is still
 * answered, with a 200 and an error line, instead of being left open.
 */
export function ackIfUnanswered(res: ServerResponse, log: Logger, afterMs = UNACKED_AFTER_MS + 500): void {
  const timer = setTimeout(() => {
    if (res.headersSent) return;
    log.error({ afterMs }, 'Bolt did not answer a Slack request; acked it empty');
    sendAck(res);
  }, afterMs);
  res.once('close', () => clearTimeout(timer));
}

function logFailure(log: Logger, redact: Redactor, error: unknown): string {
  const ref = randomUUID().slice(0, 8);
  const err = error instanceof Error ? error : new Error(String(error));
  log.error({ ref, err: redact(err.message), stack: redact(err.stack ?? '') }, 'a Slack listener failed');
  return ref;
}

/**
 * Bolt's HTTP receiver answers a listener's error with a 500 and a request no listener acks with
 * a 404 after 3 s. Here both are a 200 (Slack shows nothing, or for a slash command a short note
 * with a reference to quote), and the error is logged with that reference.
 */
export function httpReceiverGuards(
  log: Logger,
  redact: Redactor,
): Pick<HTTPReceiverOptions, 'processEventErrorHandler' | 'unhandledRequestHandler' | 'unhandledRequestTimeoutMillis'> {
  const rawBody = (req: unknown): Buffer | undefined => (req as { rawBody?: Buffer }).rawBody;
  return {
    async processEventErrorHandler({ error, request, response }) {
      const ref = logFailure(log, redact, error);
      if (response.headersSent) return false;
      sendAck(response, isSlashCommandBody(rawBody(request)) ? ephemeral(failedText(ref)) : undefined);
      return true;
    },
    unhandledRequestHandler({ request, response }) {
      const ref = randomUUID().slice(0, 8);
      log.warn({ ref, afterMs: UNACKED_AFTER_MS }, 'a Slack listener did not ack in time; acked it empty');
      sendAck(
        response,
        isSlashCommandBody(rawBody(request))
          ? ephemeral(
              `Ferry took too long to answer (reference \`${ref}\`), and I can't say whether your request went through. Check the deploy feed before trying again.`,
            )
          : undefined,
      );
    },
    unhandledRequestTimeoutMillis: UNACKED_AFTER_MS,
  };
}

type Listener = (...args: unknown[]) => unknown;
interface Emitter {
  listeners(event: string): unknown[];
  removeAllListeners(event: string): unknown;
  on(event: string, fn: Listener): unknown;
}
interface SlackEvent {
  ack: (response?: AckBody) => Promise<void>;
  type: unknown;
  body: unknown;
}

/**
 * Socket Mode's counterpart of the HTTP screen and guards: each envelope is screened before Bolt's
 * receiver sees it (malformed ones are acked and dropped: a socket has no 400), a message Slack's
 * SDK itself can't read is logged instead of rejecting unhandled, and a listener's error is
 * logged with a reference and acked once Bolt is done (a slash command with a note to quote).
 */
export class SocketModeGuard {
  private readonly pending = new WeakMap<object, { acked: boolean; ref?: string }>();

  constructor(
    private readonly log: Logger,
    private readonly redact: Redactor,
  ) {}

  /** For SocketModeReceiver's options: the ack itself is sent by screen() once Bolt is done. */
  readonly processEventErrorHandler: NonNullable<SocketModeReceiverOptions['processEventErrorHandler']> = async ({ error, event }) => {
    const ref = logFailure(this.log, this.redact, error);
    const state = typeof event.body === 'object' && event.body !== null ? this.pending.get(event.body) : undefined;
    if (state) state.ref = ref;
    return false;
  };

  /** Wraps the receiver's listeners on its SocketModeClient (`receiver.client`). */
  install(client: Emitter): void {
    wrap(client, 'ws_message', (read) => (...args) => {
      Promise.resolve(read(...args)).catch((err: Error) =>
        this.log.warn({ err: this.redact(err.message) }, 'ignored a Socket Mode message that could not be read'),
      );
    });
    wrap(client, 'slack_event', (bolt) => (args) => {
      this.screen(args as SlackEvent, bolt).catch((err: Error) =>
        this.log.warn({ err: this.redact(err.message) }, 'could not ack a Socket Mode envelope'),
      );
    });
  }

  private async screen(e: SlackEvent, bolt: Listener): Promise<void> {
    const s = screenSocket(e.type, e.body);
    if (s.kind === 'ack') {
      this.log.debug({ what: s.what }, 'acked a Slack request Ferry has no listener for');
      return e.ack(s.body);
    }
    if (s.kind === 'bad') {
      this.log.warn({ reason: s.reason }, 'acked and dropped a Socket Mode envelope that is not a Slack request');
      return e.ack();
    }
    const state: { acked: boolean; ref?: string } = { acked: false };
    this.pending.set(e.body as object, state);
    const ack = async (response?: AckBody) => {
      state.acked = true;
      await e.ack(response);
    };
    await bolt({ ...e, ack });
    if (!state.acked) await e.ack(state.ref && e.type === 'slash_commands' ? ephemeral(failedText(state.ref)) : undefined);
  }
}

function wrap(client: Emitter, event: string, make: (original: Listener) => Listener): void {
  const originals = client.listeners(event) as Listener[];
  client.removeAllListeners(event);
  for (const original of originals) client.on(event, make(original));
}
