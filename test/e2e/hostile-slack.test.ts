import fc from 'fast-check';
import { COMMAND_NAMES } from '../../src/slack/commands/names';
import { Harness } from '../helpers/harness';
import {
  changes,
  commandText,
  fuzz,
  fuzzTimeout,
  headerValue,
  isPlainRef,
  mutatedPayload,
  payloadForm,
  postSlack,
  refText,
  settled,
  stateSnapshot,
} from '../helpers/hostile';

// Property tests against a real Ferry (Bolt app, real Redis; the app role, so accepted deploys wait
// in their queues and Redis changes only through requests and the feed messages they cause; see
// stateSnapshot and settled in helpers/hostile.ts). Jest fails the running test
// on any unhandled rejection or uncaught exception in this process (its sandbox's process.on never
// sees them), so every run is also a crash check; hostile-process.test.ts checks the real binary.

const FORM = 'application/x-www-form-urlencoded';

describe('hostile input to /slack/events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({
      role: 'app',
      config: ({ repo }) => ({
        feed_channel: 'C0FEED',
        apps: {
          web: {
            path: repo,
            environments: {
              dev: { deploy: ['/bin/true'], lock: true },
              staging: { deploy: ['/bin/true'] },
              production: { deploy: ['/bin/true'], promote_from: 'staging' },
            },
          },
          api: { path: repo, environments: { staging: { deploy: ['/bin/true'] } } },
        },
      }),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(async () => {
    // Still up: Redis answers through it, and a command is still answered.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await h.slash('/deploy', 'help')).ackText).toContain('*Deploy:*');
  });

  test(
    'any unsigned, badly signed or stale request is refused with 401 and changes nothing',
    async () => {
      // First, while nothing else is going on.
      const before = await stateSnapshot(h);
      const stamp = fc.oneof(fc.constantFrom('', 'abc', '1e999', '-1', '0', String(Math.floor(Date.now() / 1000) - 600)), headerValue);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('payload=null', 'command=/deploy&text=dev%20main', '{"type":"url_verification","challenge":"x"}'),
          stamp,
          headerValue,
          async (body, timestamp, signature) => {
            const res = await fetch(`${h.url}/slack/events`, {
              method: 'POST',
              body,
              headers: { 'content-type': FORM, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
            });
            expect(res.status).toBe(401);
          },
        ),
        fuzz(100),
      );
      expect(changes(before, await stateSnapshot(h))).toEqual([]);
    },
    fuzzTimeout(100, 50),
  );

  test(
    'a deploy is accepted only with a plain ref; anything a shell or git could misread is refused in the ack and queues nothing',
    async () => {
      const seq = `${h.prefix}:deploy:seq`;
      await fc.assert(
        fc.asyncProperty(refText, async (ref) => {
          const before = await stateSnapshot(h);
          const seqBefore = Number(await h.redis.get(seq));
          const r = await h.slash('/deploy', `web staging ${ref}`);
          expect(r.ack.status).toBe(200);
          // One word that is not a plain name: refused in the ack.
          const word = ref.trim();
          if (word && !/\s/.test(word) && !isPlainRef(word)) expect(r.ackText).not.toBe('');
          if (r.ackText) return expect(changes(before, await stateSnapshot(h))).toEqual([]);
          expect(await h.answer(r.id)).not.toBe('');
          await settled(h);
          for (let id = seqBefore + 1; id <= Number(await h.redis.get(seq)); id++) {
            const accepted = await h.redis.hget(`${h.prefix}:deploy:${id}`, 'ref');
            if (!isPlainRef(accepted))
              throw new Error(`deploy #${id} was accepted with the ref ${JSON.stringify(accepted)} (typed ${JSON.stringify(ref)})`);
          }
        }),
        fuzz(100),
      );
      // Some were accepted (the property is not vacuous).
      expect(Number(await h.redis.get(seq))).toBeGreaterThan(0);
    },
    fuzzTimeout(100, 200),
  );

  const RUNS = 320;
  test(
    'every command text is acked with 200 in time; one refused in the ack changes nothing; no accepted deploy has a ref a shell or git would misread',
    async () => {
      const seq = `${h.prefix}:deploy:seq`;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...COMMAND_NAMES), commandText, fc.constantFrom('U0ANA', 'U0BEN'), async (command, text, user) => {
          const before = await stateSnapshot(h);
          const seqBefore = Number(await h.redis.get(seq));
          const r = await h.slash(command, text, user);
          expect(r.ack.status).toBe(200);
          expect(r.ack.ms).toBeLessThan(3_000);
          // An answer in the ack is a refusal or help: nothing else happens.
          if (r.ackText) expect(changes(before, await stateSnapshot(h))).toEqual([]);
          else {
            expect(await h.answer(r.id)).not.toBe('');
            await settled(h);
          }
          for (let id = seqBefore + 1; id <= Number(await h.redis.get(seq)); id++) {
            const ref = await h.redis.hget(`${h.prefix}:deploy:${id}`, 'ref');
            if (!isPlainRef(ref))
              throw new Error(`deploy #${id} was accepted with the ref ${JSON.stringify(ref)} (from ${command} ${JSON.stringify(text)})`);
          }
        }),
        fuzz(RUNS),
      );
    },
    fuzzTimeout(RUNS, 200),
  );

  const expectAnswered = (r: { status: number; ms: number; body: string }, what: string) => {
    if ((r.status !== 200 && r.status !== 400) || r.ms >= 1_000)
      throw new Error(`${what}: HTTP ${r.status} after ${Math.round(r.ms)} ms: ${r.body.slice(0, 200)}`);
  };

  test(
    'any payload (any JSON, or a valid one of any type and action with fields changed or removed) is answered 200 or 400 within 1 s',
    async () => {
      const payload = fc.oneof(
        fc.jsonValue(),
        mutatedPayload(h.slack.responseUrl('fuzz')),
        fc.string().map((s) => ({ raw: s })),
      );
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const form =
            typeof p === 'object' && p !== null && 'raw' in p && Object.keys(p).length === 1 ? payloadForm(String(p.raw)) : payloadForm(p);
          expectAnswered(await postSlack(h, form, { 'content-type': FORM }), `payload ${JSON.stringify(p).slice(0, 300)}`);
        }),
        fuzz(300),
      );
    },
    fuzzTimeout(300, 50),
  );

  test(
    'any body, Content-Type and extra headers are answered 200 or 400 within 1 s',
    async () => {
      const contentType = fc.oneof(
        fc.constantFrom(
          FORM,
          `${FORM}; charset=utf-8`,
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/xml',
          '',
        ),
        headerValue,
      );
      const fields = fc.dictionary(
        fc.constantFrom('command', 'text', 'user_id', 'trigger_id', 'response_url', 'payload', 'event', 'ssl_check', 'type', 'challenge'),
        fc.string({ maxLength: 30 }),
        { maxKeys: 6 },
      );
      const body = fc.oneof(
        fc.string(),
        fc.json(),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fields.map((f) => new URLSearchParams(f).toString()),
        fc.constantFrom(
          'payload=null',
          'payload=123',
          'payload=true',
          'payload=',
          'payload=%7B',
          'payload=%7B%22type%22%3A%22block_actions%22%2C%22user',
          'ssl_check=1',
          'payload=%7B%7D&payload=%7B%7D',
          'command=/deploy&command=/lock',
          'null',
          '[]',
        ),
        fc.constantFrom(
          '{"type":"url_verification","challenge":"x"}',
          '{"type":"url_verification"}',
          '{"type":"event_callback","event":{"type":"message"}}',
          '{"type":"event_callback","event":null}',
        ),
      );
      const extra = fc.dictionary(
        fc.constantFrom(
          'x-slack-retry-num',
          'x-slack-retry-reason',
          'content-encoding',
          'accept',
          'user-agent',
          'x-forwarded-for',
          'content-language',
          'x-anything',
        ),
        headerValue,
        { maxKeys: 3 },
      );
      await fc.assert(
        fc.asyncProperty(contentType, body, extra, async (type, b, headers) => {
          expectAnswered(await postSlack(h, b, { ...headers, 'content-type': type }), `${type}: ${String(b).slice(0, 200)}`);
        }),
        fuzz(300),
      );
    },
    fuzzTimeout(300, 50),
  );
});
