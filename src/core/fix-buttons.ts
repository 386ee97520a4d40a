import { escapeMrkdwn } from './slack-format';

/**
 * The buttons offered with a refusal, each fixing its cause: join the wait-list or ask the holder
 * to release (a lock), be told when a freeze lifts. Values carry the app and env as JSON.
 */
export const WAITLIST_ACTION = 'waitlist_join';
export const ASK_RELEASE_ACTION = 'lock_ask_release';
export const NOTIFY_UNFROZEN_ACTION = 'freeze_notify';
/** Every action ID above, as the request screen (src/slack/request-shape.ts) knows them. */
export const FIX_ACTIONS: readonly string[] = [WAITLIST_ACTION, ASK_RELEASE_ACTION, NOTIFY_UNFROZEN_ACTION];

type Block = Record<string, unknown>;

const button = (action_id: string, text: string, app: string, env: string): Block => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text },
  value: JSON.stringify({ app, env }),
});

/** With a refusal because of a lock: "Join the wait-list", and (when someone holds it) "Ask them to release it". */
export function lockButtons(app: string, env: string, held = true): Block {
  const elements = [button(WAITLIST_ACTION, 'Join the wait-list', app, env)];
  if (held) elements.push(button(ASK_RELEASE_ACTION, 'Ask them to release it', app, env));
  return { type: 'actions', elements };
}

/** "Notify me when unfrozen", offered with a refusal because of a freeze. */
export function notifyButton(app: string, env: string): Block {
  return { type: 'actions', elements: [button(NOTIFY_UNFROZEN_ACTION, 'Notify me when unfrozen', app, env)] };
}

/** The app and env a button's value names; empty strings when it is not such a value. */
export function buttonTarget(value: string | undefined): { app: string; env: string } {
  let t: { app?: unknown; env?: unknown } = {};
  try {
    t = JSON.parse(value ?? '{}') as typeof t;
  } catch {
    t = {};
  }
  return { app: typeof t?.app === 'string' ? t.app : '', env: typeof t?.env === 'string' ? t.env : '' };
}

/** The answer to a click on such a button whose value names no env Ferry has (junk, or the config changed since): nothing is done. */
export function unknownTargetText(t: { app: string; env: string }): string {
  if (!t.app || !t.env)
    return "That button doesn't say which environment it is for, so I did nothing. Use the command instead (`/lock`, `/deploy`); `/deploys` shows what runs where.";
  return `That button is for an environment I no longer know (\`${escapeMrkdwn(t.app)}\` ${escapeMrkdwn(t.env)}), so I did nothing. \`/deploys\` shows the apps and environments there are now.`;
}
