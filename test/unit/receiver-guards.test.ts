import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from '@slack/bolt';
import { makeRedactor } from '../../src/core/redact';
import { createLogger } from '../../src/log';
import { ackIfUnanswered, httpReceiverGuards, SocketModeGuard } from '../../src/slack/receiver-guards';

const SECRET = 'xoxb-0000-secret-bot-token';
const COMMAND = Buffer.from('command=%2Fdeploy&text=dev&user_id=U0ANA&trigger_id=1.2&response_url=http%3A%2F%2Fx');
const CLICK = Buffer.from(`payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U0ANA"}}')}`);

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('debug', makeRedactor([SECRET]), stream), redact: makeRedactor([SECRET]) };
}

/** One request through a real server whose handler is `handle`; resolves with what the client got. */
async function roundTrip(
  handle: (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse) => void,
  rawBody: Buffer,
): Promise<{ status: number; body: string }> {
  const server = http.createServer((req, res) => handle(Object.assign(req, { rawBody }), res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: rawBody });
    return { status: res.status, body: await res.text() };
  } finally {
    server.close();
  }
}

const bolt = {} as Logger;

describe("Bolt's HTTP receiver guards", () => {
  test("a listener's error is a 200; a slash command gets the reference that is in the log, with the secret redacted", async () => {
    const { lines, log, redact } = capture();
    const g = httpReceiverGuards(log, redact);
    const r = await roundTrip(
      (request, response) =>
        void g.processEventErrorHandler!({
          error: new Error(`boom with ${SECRET}`),
          logger: bolt,
          request,
          response,
          storedResponse: undefined,
        }),
      COMMAND,
    );
    expect(r.status).toBe(200);
    const text = String((JSON.parse(r.body) as { text: string }).text);
    const ref = /reference `([0-9a-f]{8})`/.exec(text)?.[1];
    expect(ref).toBeDefined();
    expect(text).toContain("Something went wrong on Ferry's side");
    const line = lines.find((l) => l.ref === ref);
    expect(line).toMatchObject({ msg: 'a Slack listener failed', err: 'boom with [redacted]' });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  test("a click's error is an empty 200", async () => {
    const { log, redact } = capture();
    const g = httpReceiverGuards(log, redact);
    const r = await roundTrip(
      (request, response) =>
        void g.processEventErrorHandler!({ error: new Error('boom'), logger: bolt, request, response, storedResponse: undefined }),
      CLICK,
    );
    expect(r).toEqual({ status: 200, body: '' });
  });

  test('an error after the ack is logged, and the answer already sent stands', async () => {
    const { lines, log, redact } = capture();
    const g = httpReceiverGuards(log, redact);
    let handled: boolean | undefined;
    const r = await roundTrip((request, response) => {
      response.writeHead(200);
      response.end('acked');
      void g.processEventErrorHandler!({ error: new Error('late'), logger: bolt, request, response, storedResponse: undefined }).then(
        (v) => (handled = v),
      );
    }, CLICK);
    expect(r).toEqual({ status: 200, body: 'acked' });
    expect(handled).toBe(false);
    expect(lines.some((l) => l.err === 'late')).toBe(true);
  });

  test('a request no listener acked is a 200, not a 404, within 2.5 s', async () => {
    const { log, redact } = capture();
    const g = httpReceiverGuards(log, redact);
    expect(g.unhandledRequestTimeoutMillis).toBeLessThanOrEqual(2_500);
    const r = await roundTrip((request, response) => g.unhandledRequestHandler!({ logger: bolt, request, response }), COMMAND);
    expect(r.status).toBe(200);
    expect(r.body).toContain('Ferry took too long to answer');
  });

  test('a request Bolt never answers at all is answered by the server', async () => {
    const { lines, log } = capture();
    const r = await roundTrip((_req, response) => ackIfUnanswered(response, log, 20), CLICK);
    expect(r).toEqual({ status: 200, body: '' });
    expect(lines.some((l) => l.msg === 'Bolt did not answer a Slack request; acked it empty')).toBe(true);
  });
});

describe('the Socket Mode guard', () => {
  /** A SocketModeClient stand-in: Bolt's receiver listens for slack_event, the client itself for ws_message. */
  function client(boltListener: (args: Record<string, unknown>) => Promise<void>) {
    const c = new EventEmitter();
    c.on('slack_event', boltListener);
    c.on('ws_message', async () => {
      throw new TypeError("Cannot read properties of null (reading 'type')");
    });
    return c;
  }
  const envelope = (type: string, body: unknown) => {
    const acks: unknown[] = [];
    return { acks, args: { type, body, ack: async (r?: unknown) => void acks.push(r ?? null) } };
  };

  test('a malformed envelope is acked without reaching Bolt; one for a listener reaches it', async () => {
    const { log, redact } = capture();
    const seen: unknown[] = [];
    const c = client(async (args) => void seen.push(args.body));
    new SocketModeGuard(log, redact).install(c);
    const bad = envelope('interactive', null);
    c.emit('slack_event', bad.args);
    const good = envelope('slash_commands', {
      command: '/deploy',
      text: '',
      user_id: 'U0ANA',
      trigger_id: '1.2',
      response_url: 'http://x/',
    });
    c.emit('slack_event', good.args);
    await new Promise(setImmediate);
    expect(bad.acks).toEqual([null]);
    expect(seen).toEqual([good.args.body]);
    // Bolt's listener never acked, so the guard did once it was done.
    expect(good.acks).toEqual([null]);
  });

  test("a listener's error before its ack: the slash command is acked with the logged reference", async () => {
    const { lines, log, redact } = capture();
    const guard = new SocketModeGuard(log, redact);
    const c = client(async (args) => {
      await guard.processEventErrorHandler({
        error: new Error('boom'),
        logger: bolt,
        event: { body: args.body, ack: async () => {} } as never,
      });
    });
    guard.install(c);
    const e = envelope('slash_commands', { command: '/deploy', text: '', user_id: 'U0ANA', trigger_id: '1.2', response_url: 'http://x/' });
    c.emit('slack_event', e.args);
    await new Promise(setImmediate);
    const text = String((e.acks[0] as { text: string }).text);
    const ref = /reference `([0-9a-f]{8})`/.exec(text)?.[1];
    expect(lines.find((l) => l.ref === ref)).toMatchObject({ err: 'boom' });
  });

  test("a message Slack's SDK can't read is logged, not left to reject unhandled", async () => {
    const { lines, log, redact } = capture();
    const c = client(async () => {});
    new SocketModeGuard(log, redact).install(c);
    c.emit('ws_message', 'null', false);
    await new Promise(setImmediate);
    expect(lines.some((l) => l.msg === 'ignored a Socket Mode message that could not be read')).toBe(true);
  });
});
