import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FERRY_LISTENERS } from '../../src/slack/request-shape';
import { type Harness, SIGNING_SECRET } from './harness';
import { type SignedResponse, sign } from './slack-requests';

export { fuzz, fuzzTimeout } from './fuzz';

/**
 * POSTs a body signed with the signing secret to /slack/events, then forgets its signature in the
 * replay guard: fast-check repeats inputs while it shrinks, and a repeat must not be a replay.
 */
export async function postSlack(
  h: Pick<Harness, 'url' | 'redis' | 'prefix'>,
  body: string | Buffer,
  headers: Record<string, string>,
  secret = SIGNING_SECRET,
): Promise<SignedResponse> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const signed = sign(secret, text);
  const t0 = performance.now();
  const res = await fetch(`${h.url}/slack/events`, {
    method: 'POST',
    body,
    headers: { ...headers, ...signed },
    signal: AbortSignal.timeout(10_000),
  });
  const out = { status: res.status, body: await res.text(), ms: performance.now() - t0 };
  await h.redis.del(`${h.prefix}:slack-sig:${signed['x-slack-signature']}`);
  return out;
}

export const payloadForm = (payload: unknown): string =>
  new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

/** How the pool watch's note begins (src/core/pools.ts). */
const POOL_NOTE = 'waiting for a worker of pool';

export type Snapshot = Record<string, { value: string; ttlMs: number }>;

/**
 * Everything Ferry keeps in Redis, key by key: a digest of each value and its time to live. Left
 * out: the replay guard's signatures, the timestamp a BullMQ worker rewrites every 30 s, what the
 * feed publisher writes on its own time after earlier requests (its claim to post a deploy's
 * message, and that message's `feedTs` on the deploy record), and what the worker pools do on
 * their own clock: the workers' heartbeats, and the note "waiting for a worker of pool …" that the
 * pool watch puts on a queued deploy no worker takes (with the `rev` it bumps; every other field
 * of a record still counts, so a request that changed one is still seen).
 */
export async function stateSnapshot(h: Pick<Harness, 'redis' | 'prefix'>): Promise<Snapshot> {
  const skip = (k: string) =>
    k.startsWith(`${h.prefix}:slack-sig:`) ||
    k.startsWith(`${h.prefix}:workers:`) ||
    k.endsWith(':stalled-check') ||
    k.endsWith(':feed-poster');
  const keys = (await h.redis.keys(`${h.prefix}:*`)).filter((k) => !skip(k)).sort();
  if (keys.length === 0) return {};
  const isDeploy = (k: string) => /:deploy:\d+$/.test(k);
  const pipe = h.redis.pipeline();
  for (const k of keys) (isDeploy(k) ? pipe.hgetall(k) : pipe.dumpBuffer(k)).pttl(k);
  const r = (await pipe.exec()) ?? [];
  const digest = (k: string, v: unknown) => {
    const bytes = isDeploy(k)
      ? JSON.stringify(
          Object.entries(v as Record<string, string>)
            .filter(([f, value]) => f !== 'feedTs' && f !== 'rev' && !(f === 'waitingFor' && value.startsWith(POOL_NOTE)))
            .sort(),
        )
      : ((v as Buffer | null) ?? Buffer.alloc(0));
    return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  };
  return Object.fromEntries(keys.map((k, i) => [k, { value: digest(k, r[2 * i]?.[1]), ttlMs: Number(r[2 * i + 1]?.[1]) }]));
}

/** Waits until Ferry's feed work in flight (deploy messages, release summaries and DMs) is done: after it, Redis changes only by request. */
export async function settled(h: Harness): Promise<void> {
  await h.running!.parts.settled();
}

/** What differs between two snapshots; a key that expired by itself in between (it had under a minute left) is no change. */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(after)) if (before[k]?.value !== v.value) out.push(`${before[k] ? 'changed' : 'added'} ${k}`);
  for (const [k, v] of Object.entries(before)) if (!after[k] && !(v.ttlMs >= 0 && v.ttlMs < 60_000)) out.push(`removed ${k}`);
  return out;
}

/** A ref a shell and git read as a plain name: what every deploy Ferry accepts must have. */
export const isPlainRef = (ref: string | null): boolean =>
  ref !== null && /^[A-Za-z0-9._/-]+$/.test(ref) && !ref.startsWith('-') && !ref.includes('..');

const WORDS = [
  'web',
  'api',
  'dev',
  'staging',
  'production',
  'prod',
  'main',
  'feature/checkout',
  'fix-1',
  'v1.0.0',
  'help',
  'cancel',
  'log',
  'audit',
  'me',
  'all',
  'for',
  'until',
  'override',
  'force',
  '2h',
  '30m',
  '7d',
  '99d',
  '0m',
  '#1',
  '1',
  '2',
  '42',
  '-1',
  '999999999999999999',
  '<@U0BEN>',
  '<@U0BEN|ben>',
  '@ben',
  'tomorrow',
  '17:00',
  'friday',
  'because',
  'QA',
];
const HOSTILE = [
  '-x',
  '--upload-pack=touch /tmp/ferry-pwned',
  '--exec=id',
  '-c',
  '$(id)',
  '`id`',
  ';reboot',
  'main;reboot',
  '|cat',
  '&&',
  'a&&b',
  '>/tmp/x',
  '<x',
  'main..evil',
  '../../etc/passwd',
  '~',
  'HEAD^',
  'main@{1}',
  '\\',
  "'",
  '"',
  '\u0000',
  '\n',
  '\t',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '!',
  '%s',
  'é',
  '🚀',
  '\u202e',
  '<!channel>',
  '&lt;',
  '__proto__',
  'constructor',
];
const token = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const REFS = ['main', 'feature/checkout', 'fix-1', 'v1.0.0', 'HEAD', 'no-such-branch'];
/** `[app] <env> [more]`, the shape of most commands, so that many runs are valid (and accepted) ones. */
const shaped = fc
  .tuple(
    fc.constantFrom('web', 'web', 'api', ''),
    fc.constantFrom('dev', 'staging', 'staging', 'production', 'all'),
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...REFS) },
        { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
        { weight: 2, arbitrary: fc.constantFrom(...WORDS) },
      ),
      { maxLength: 2 },
    ),
  )
  .map(([app, env, more]) => [app, env, ...more].filter(Boolean).join(' '));

/** What someone might type as a ref: real ones, shell and git syntax, and the two glued together. */
export const refText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...REFS),
  fc.constantFrom(...HOSTILE),
  fc.tuple(fc.constantFrom(...REFS), fc.constantFrom(...HOSTILE)).map(([r, x]) => `${r}${x}`),
  fc.tuple(fc.constantFrom(...HOSTILE), fc.constantFrom(...REFS)).map(([x, r]) => `${x}${r}`),
  fc.stringMatching(/^[\x21-\x7e]{1,24}$/),
);

/** A slash command's text: words Ferry knows mixed with shell and git syntax, random strings, and too-long text. */
export const commandText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: shaped },
  { weight: 4, arbitrary: fc.array(token, { maxLength: 6 }).map((ts) => ts.join(' ')) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 290, maxLength: 500 }) },
);

/** Values a listener parses out of a button or a form: junk of every kind. */
export const JUNK_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1e3',
  '0x10',
  '12.5',
  ' 12',
  '99999999999999999999',
  'null',
  '{}',
  '[]',
  '{"app":"__proto__","env":"x"}',
  '{"app":"web"}',
  '{"app":1,"env":2}',
  '12:',
  ':U0ANA',
  '1:<!channel>',
];

/** JSON values that trip careless code: String() throws on the first, the next two are prototype pollution attempts. */
const HOSTILE_JSON: unknown[] = [
  JSON.parse('{"toString":1}'),
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  1e308,
  -1,
  0,
  [],
  {},
  null,
];

/** One valid payload of every interaction type, with every action and view Ferry knows, and some it doesn't. */
export function validPayloads(responseUrl: string): Record<string, unknown>[] {
  const user = { id: 'U0ANA', username: 'ana', team_id: 'T0TEST' };
  const common = { user, team: { id: 'T0TEST', domain: 'acme' }, api_app_id: 'A0FERRY', token: 'x', trigger_id: '1700000000.1.abc' };
  const click = (actionId: string, value: string) => ({
    type: 'block_actions',
    ...common,
    response_url: responseUrl,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0GENERAL', is_ephemeral: true },
    channel: { id: 'C0GENERAL', name: 'general' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b1', value, action_ts: '1700000000.2' }],
  });
  const view = (callbackId: string, values: Record<string, unknown>) => ({
    type: 'view_submission',
    ...common,
    view: {
      id: 'V1',
      team_id: 'T0TEST',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: '{"id":1}',
      state: { values },
      hash: '1',
      app_id: 'A0FERRY',
    },
    response_urls: [],
  });
  return [
    ...[...FERRY_LISTENERS.actions, 'not_ferrys_button'].flatMap((a) => [click(a, '1'), click(a, '{"app":"web","env":"dev"}')]),
    view('release_hold_view', { reason: { reason: { type: 'plain_text_input', value: 'QA found a bug' } } }),
    view('release_fields_view', {
      version: { version: { type: 'plain_text_input', value: '1.2' } },
      deployType: { deployType: { type: 'static_select', selected_option: null } },
    }),
    view('not_ferrys_view', {}),
    { type: 'view_closed', ...common, view: { id: 'V1', callback_id: 'release_hold_view' }, is_cleared: false },
    { type: 'block_suggestion', ...common, action_id: 'x', block_id: 'b', value: 'a' },
    {
      type: 'message_action',
      ...common,
      callback_id: 'x',
      message: { ts: '1.2' },
      channel: { id: 'C0GENERAL' },
      response_url: responseUrl,
    },
    { type: 'shortcut', ...common, callback_id: 'x' },
    { type: 'dialog_submission', ...common, callback_id: 'x', submission: {}, channel: { id: 'C0GENERAL' } },
  ];
}

/** Every path into a JSON value (objects' keys and arrays' indexes). */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...at, k], ...paths(x, [...at, k])]);
}

type Mutation = { at: number; op: 'set' | 'delete'; value: unknown };

function mutate(base: unknown, ms: Mutation[]): unknown {
  const v = structuredClone(base) as Record<string | number, unknown>;
  for (const m of ms) {
    const all = paths(v);
    if (all.length === 0) break;
    const p = all[m.at % all.length]!;
    const parent = p.slice(0, -1).reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, v);
    const key = p[p.length - 1]!;
    if (m.op === 'delete') delete parent[key];
    else parent[key] = m.value;
  }
  return v;
}

/** One of `bases` with a few fields (at any depth) set to any JSON value or junk text, or removed. */
export function mutatedFrom<T>(bases: readonly T[]): fc.Arbitrary<unknown> {
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom('set', 'delete') as fc.Arbitrary<Mutation['op']>,
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...JUNK_VALUES), fc.constantFrom(...HOSTILE_JSON)),
  });
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutation, { maxLength: 3 })).map(([base, ms]) => mutate(base, ms));
}

/** A valid interaction payload of any type, mutated. */
export const mutatedPayload = (responseUrl: string): fc.Arbitrary<unknown> => mutatedFrom(validPayloads(responseUrl));

/** A visible-ASCII header value (fetch refuses control characters in headers). */
export const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
