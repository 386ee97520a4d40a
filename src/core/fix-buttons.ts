/**
 * The buttons offered with a refusal, each fixing its cause: join the wait-list or ask the holder
 * to release (a lock), be told when a freeze lifts. Values carry the app and env as JSON.
 */
export const WAITLIST_ACTION = 'waitlist_join';
export const ASK_RELEASE_ACTION = 'lock_ask_release';
export const NOTIFY_UNFROZEN_ACTION = 'freeze_notify';

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
