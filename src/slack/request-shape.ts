import { parse as parseForm } from 'node:querystring';
import { z } from 'zod';
import { CANCEL_ACTION } from '../core/cancel';
import { REVIEW_ACTIONS } from '../core/review/actions';
import { FIX_ACTIONS } from '../core/fix-buttons';
import { NUDGE_ACTIONS } from '../core/nudge/message';
import { RELEASE_ACTIONS, RELEASE_VIEWS } from '../core/release/actions';
import { escapeMrkdwn } from '../core/slack-format';
import { COMMAND_NAMES } from './commands/names';

/**
 * The shape check every Slack request passes before Bolt sees it (HTTP: after the signature and
 * replay checks; Socket Mode: as each envelope arrives). Bolt reads bodies without checking them
 * (a `payload` of `null` crashed it), routes on whichever of `event`, `command`, `name` or
 * `actions` a body has before its `type`, and leaves a request no listener acks waiting 3 s. So:
 *
 * - `bolt`: a request one of Ferry's listeners takes, with every field Bolt or that listener reads
 *   of the right type, and nothing that would route it elsewhere.
 * - `ack`: a well-formed Slack request Ferry has no listener for (another interaction type, an
 *   action, view or command Ferry never registered, an event): answered 200 at once, with `body`.
 * - `bad`: not a Slack request at all (HTTP: 400 with `reason`).
 *
 * Only the values this screen checks are trusted; the raw body goes on to Bolt unchanged (its own
 * signature check needs it), which is why fields that would mislead Bolt are refused, not dropped.
 */
export type Screened =
  | { kind: 'bolt'; what: string }
  | { kind: 'ack'; what: string; body?: Record<string, unknown> }
  | { kind: 'bad'; reason: string };

/** The command names, action IDs and view callback IDs Ferry's listeners are registered with. */
export interface KnownListeners {
  commands: ReadonlySet<string>;
  actions: ReadonlySet<string>;
  views: ReadonlySet<string>;
}

/** From the constants the listeners register with (test/unit/request-shape.test.ts checks they agree). */
export const FERRY_LISTENERS: KnownListeners = {
  commands: new Set(COMMAND_NAMES),
  actions: new Set([...FIX_ACTIONS, CANCEL_ACTION, ...RELEASE_ACTIONS, ...REVIEW_ACTIONS, ...NUDGE_ACTIONS]),
  views: new Set(RELEASE_VIEWS),
};

export const FORM_TYPE = 'application/x-www-form-urlencoded';

// A Slack ID (user, team, channel) used in mentions and keys: nothing that could break out of <@…>.
const slackId = z.string().regex(/^[\w.-]{1,64}$/, 'is not a Slack ID');
const httpUrl = z
  .string()
  .max(2_000)
  .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), 'is not an http(s) URL');
const triggerId = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'is not a trigger ID');
const optionalRef = z.looseObject({ id: z.string().optional() }).nullable().optional();

const commandHead = z.looseObject({ command: z.string().regex(/^\/\S{1,80}$/, 'is not a slash command'), user_id: slackId });
const command = commandHead.extend({
  text: z.string(),
  trigger_id: triggerId,
  response_url: httpUrl,
  user_name: z.string().max(200).optional(),
  channel_id: z.string().max(64).optional(),
  team_id: z.string().max(64).optional(),
  enterprise_id: z.string().max(64).optional(),
});

const interaction = z.looseObject({
  type: z.string().min(1).max(100),
  user: z.looseObject({ id: slackId, team_id: z.string().optional() }),
  team: optionalRef,
  enterprise: optionalRef,
});
const action = z.looseObject({
  action_id: z.string().max(255),
  value: z.string().max(2_000).optional(),
  block_id: z.string().optional(),
  type: z.string().optional(),
});
const actions = z.looseObject({ actions: z.array(action).min(1).max(25) });
const blockActions = interaction.extend({
  actions: actions.shape.actions,
  trigger_id: triggerId,
  response_url: httpUrl,
  container: z.looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  channel: z.looseObject({ id: z.string().optional() }).optional(),
  message: z.looseObject({ ts: z.string().optional() }).optional(),
});
const stateValue = z.looseObject({
  value: z.string().nullable().optional(),
  selected_option: z.looseObject({ value: z.string() }).nullable().optional(),
});
const viewHead = z.looseObject({ view: z.looseObject({ callback_id: z.string().max(255) }) });
const viewSubmission = interaction.extend({
  view: viewHead.shape.view.extend({
    private_metadata: z.string().max(3_000).optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), stateValue)) }),
    app_installed_team_id: z.string().optional(),
  }),
  trigger_id: triggerId.optional(),
  response_urls: z
    .array(z.looseObject({ response_url: httpUrl }))
    .max(10)
    .optional(),
});

const eventsBody = z.looseObject({ type: z.string().min(1).max(100) });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (reason: string): Screened => ({ kind: 'bad', reason: reason.length > 300 ? `${reason.slice(0, 299)}…` : reason });

/** What is wrong, from the first problem zod found: "payload `user.id`: is not a Slack ID". */
function problem(where: string, err: z.ZodError): Screened {
  const issue = err.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  let message = issue?.message ?? 'is malformed';
  if (issue?.code === 'invalid_type')
    message = issue.message.endsWith('received undefined')
      ? 'is missing'
      : `must be ${issue.expected === 'object' || issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}`;
  return bad(`${where}${path ? ` \`${path}\`` : ''}: ${message}`);
}

/** Bolt routes a body on these keys before its `type`: a body that has one would reach the wrong listeners. */
function misleading(body: Record<string, unknown>, what: string, keys: readonly string[]): Screened | undefined {
  const key = keys.find((k) => Object.hasOwn(body, k));
  return key ? bad(`${what} does not carry \`${key}\``) : undefined;
}

/** An HTTP request to /slack/events, by its Content-Type and raw body. Bolt gets only form bodies. */
export function screenHttp(contentType: string | undefined, raw: Buffer, known: KnownListeners = FERRY_LISTENERS): Screened {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (media === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return bad('the body is not JSON');
    }
    return screenEvents(json);
  }
  if (media !== FORM_TYPE)
    return bad(
      `Slack sends ${FORM_TYPE} (commands, clicks, forms) or application/json (events), not ${media ? `\`${media.slice(0, 80)}\`` : 'a body without a Content-Type'}`,
    );
  // The parser Bolt uses, so both read the same fields.
  const form = parseForm(text);
  if (form.ssl_check === '1') return { kind: 'ack', what: 'ssl_check' };
  if (form.payload !== undefined) {
    if (typeof form.payload !== 'string') return bad('`payload` appears more than once');
    let payload: unknown;
    try {
      payload = JSON.parse(form.payload);
    } catch {
      return bad('`payload` is not JSON');
    }
    return screenInteraction(payload, known);
  }
  if (form.command !== undefined) return screenCommand(form, known);
  return bad('a form from Slack carries `command` (a slash command) or `payload` (a click or a form)');
}

/** A Socket Mode envelope's payload, by the envelope's type. */
export function screenSocket(type: unknown, body: unknown, known: KnownListeners = FERRY_LISTENERS): Screened {
  if (type === 'slash_commands') return isObject(body) ? screenCommand(body, known) : bad('the slash command is not an object');
  if (type === 'interactive') return screenInteraction(body, known);
  if (type === 'events_api') return screenEvents(body);
  return { kind: 'ack', what: `a ${String(type).slice(0, 40)} envelope` };
}

/** A slash command's fields (a form's, or a Socket Mode payload's). */
export function screenCommand(fields: Record<string, unknown>, known: KnownListeners = FERRY_LISTENERS): Screened {
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v !== 'string')
      return bad(Array.isArray(v) ? `\`${k.slice(0, 40)}\` appears more than once` : `\`${k.slice(0, 40)}\` is not text`);
  }
  const routed = misleading(fields, 'a slash command', ['event']);
  if (routed) return routed;
  const head = commandHead.safeParse(fields);
  if (!head.success) return problem('the slash command', head.error);
  const name = head.data.command;
  if (!known.commands.has(name)) {
    const text = `Ferry doesn't handle \`${escapeMrkdwn(name)}\`. Its commands are ${[...known.commands].map((c) => `\`${c}\``).join(', ')}; \`/deploy help\` explains them.`;
    return { kind: 'ack', what: `command ${name}`, body: { response_type: 'ephemeral', text } };
  }
  const full = command.safeParse(fields);
  return full.success ? { kind: 'bolt', what: `command ${name}` } : problem(`${name}`, full.error);
}

/** An interaction's `payload` (a click, a modal's submission, and the kinds Ferry ignores). */
export function screenInteraction(payload: unknown, known: KnownListeners = FERRY_LISTENERS): Screened {
  if (!isObject(payload)) return bad('`payload` is not a JSON object');
  const head = interaction.safeParse(payload);
  if (!head.success) return problem('payload', head.error);
  const type = head.data.type;
  if (type === 'block_actions') {
    const a = actions.safeParse(payload);
    if (!a.success) return problem('block_actions', a.error);
    const id = a.data.actions[0]!.action_id;
    if (!known.actions.has(id) || Object.hasOwn(payload, 'function_data')) return { kind: 'ack', what: `action ${id}` };
    const routed = misleading(payload, 'a block_actions payload', ['event', 'command', 'name']);
    if (routed) return routed;
    const full = blockActions.safeParse(payload);
    return full.success ? { kind: 'bolt', what: `action ${id}` } : problem(`action ${id}`, full.error);
  }
  if (type === 'view_submission') {
    const v = viewHead.safeParse(payload);
    if (!v.success) return problem('view_submission', v.error);
    const id = v.data.view.callback_id;
    if (!known.views.has(id)) return { kind: 'ack', what: `view ${id}` };
    const routed = misleading(payload, 'a view_submission payload', ['event', 'command', 'name', 'actions']);
    if (routed) return routed;
    const full = viewSubmission.safeParse(payload);
    return full.success ? { kind: 'bolt', what: `view ${id}` } : problem(`view ${id}`, full.error);
  }
  // view_closed, shortcuts, message actions, dialogs, legacy attachments: Ferry registers none.
  if (type === 'block_suggestion' || type === 'dialog_suggestion') return { kind: 'ack', what: type, body: { options: [] } };
  return { kind: 'ack', what: type };
}

/** An Events API body: Ferry subscribes to no events, so it answers the URL check and acks the rest. */
export function screenEvents(json: unknown): Screened {
  if (!isObject(json)) return bad('the body is not a JSON object');
  const head = eventsBody.safeParse(json);
  if (!head.success) return problem('the event', head.error);
  if (head.data.type === 'url_verification') {
    return typeof json.challenge === 'string'
      ? { kind: 'ack', what: 'url_verification', body: { challenge: json.challenge } }
      : bad('url_verification without a `challenge`');
  }
  if (head.data.type === 'event_callback' && !(isObject(json.event) && typeof json.event.type === 'string'))
    return bad('event_callback without an `event` that has a `type`');
  return { kind: 'ack', what: head.data.type };
}

/** Whether a raw form body is a slash command's (the receiver's error answers differ for those). */
export function isSlashCommandBody(raw: Buffer | undefined): boolean {
  if (!raw) return false;
  const form = parseForm(raw.toString('utf8'));
  return form.payload === undefined && typeof form.command === 'string';
}
