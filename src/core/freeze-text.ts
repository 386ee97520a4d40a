import { formatRelative } from './duration';
import type { FreezeState } from './gate';
import { escapeMrkdwn, mention, slackTime } from './slack-format';

const envList = (app: string, envs: readonly string[]): string =>
  `\`${escapeMrkdwn(app)}\` ${envs.map((e) => `*${escapeMrkdwn(e)}*`).join(', ')}`;
const reasonPart = (reason: string): string => (reason ? `: ${escapeMrkdwn(reason)}` : '');
const untilPart = (until: number | undefined, now: number): string =>
  until === undefined ? 'until someone runs `/unfreeze`' : `until ${slackTime(until)} (${formatRelative(until - now)})`;

/** The feed's line when envs are frozen. */
export function frozenFeedText(app: string, envs: readonly string[], f: FreezeState, now: number): string {
  return `:snowflake: ${envList(app, envs)} frozen by ${mention(f.by)} ${untilPart(f.until, now)}${reasonPart(f.reason)}. Deploys there wait until it lifts.`;
}

/** The feed's line when a freeze is lifted by a person, or lifts itself at its end. */
export function unfrozenFeedText(app: string, env: string, by: string | 'expired', previous: FreezeState, held: number): string {
  const how =
    by === 'expired'
      ? `lifted itself: ${mention(previous.by)}'s freeze${reasonPart(previous.reason)} has ended`
      : `unfrozen by ${mention(by)}`;
  // At a freeze's end the held deploys' delays have ended by themselves, so there is no count.
  const queue =
    held > 0
      ? ` ${held} waiting deploy${held === 1 ? '' : 's'} now go${held === 1 ? 'es' : ''} ahead in order.`
      : by === 'expired'
        ? ' Any deploys waiting there go ahead in order.'
        : '';
  return `:sunny: ${envList(app, [env])} ${how}.${queue}`;
}

/** The answer to the person who froze. */
export function frozenAnswer(
  app: string,
  frozen: readonly string[],
  kept: readonly { env: string; source: string }[],
  f: FreezeState,
  now: number,
): string {
  const lines: string[] = [];
  if (frozen.length)
    lines.push(
      `:snowflake: Froze ${envList(app, frozen)} ${untilPart(f.until, now)}. Deploys already queued there wait and go ahead in order when it lifts; new ones are refused. \`/unfreeze ${escapeMrkdwn(app)} ${frozen.length > 1 ? 'all' : escapeMrkdwn(frozen[0]!)}\` lifts it.`,
    );
  for (const k of kept)
    lines.push(`*${escapeMrkdwn(k.env)}* is already frozen by the ${escapeMrkdwn(k.source)}; I left that freeze as it is.`);
  return lines.join('\n');
}

/** `/freeze` with no env: what is frozen now. */
export function freezeListText(entries: readonly { app: string; env: string; freeze: FreezeState }[], now: number): string {
  if (entries.length === 0) return 'Nothing is frozen. `/freeze [app] &lt;env&gt; [for 2h | until 17:00] [reason]` freezes an env.';
  const lines = entries.map(({ app, env, freeze: f }) => {
    const who = f.source === 'manual' ? mention(f.by) : `the ${f.source} *${escapeMrkdwn(f.name ?? f.by)}*`;
    return `• ${envList(app, [env])}: by ${who} since ${slackTime(f.since)}, ${untilPart(f.until, now)}${reasonPart(f.reason)}`;
  });
  return [':snowflake: *Frozen now:*', ...lines].join('\n');
}

/** The DM to someone who asked to be told when the freeze lifted. */
export function unfrozenNotifyText(app: string, env: string): string {
  return `:sunny: ${envList(app, [env])} is no longer frozen. You asked me to tell you: \`/deploy ${escapeMrkdwn(app)} ${escapeMrkdwn(env)} &lt;ref&gt;\` when you're ready.`;
}

/** The DM to a requester whose queued deploy is held by a freeze or outside the window. */
export function heldText(deployId: number, why: string): string {
  return `:hourglass_flowing_sand: Your deploy #${deployId} is waiting: ${why} It stays in the queue and starts by itself, in order, when that changes; \`/deploy cancel ${deployId}\` drops it.`;
}

/** The feed's line when a scheduled freeze begins or ends. */
export function scheduleEdgeText(
  kind: 'start' | 'end',
  name: string,
  reason: string,
  targets: readonly { app: string; env: string }[],
  until: number | undefined,
  now: number,
): string {
  const byApp = new Map<string, string[]>();
  for (const t of targets) byApp.set(t.app, [...(byApp.get(t.app) ?? []), t.env]);
  const where = [...byApp].map(([app, envs]) => envList(app, envs)).join('; ');
  if (kind === 'start') {
    return `:snowflake: Scheduled freeze *${escapeMrkdwn(name)}* is on for ${where} ${untilPart(until, now).replace('until someone runs `/unfreeze`', 'until the schedule ends')}${reasonPart(reason)}. Deploys there wait until it ends.`;
  }
  return `:sunny: Scheduled freeze *${escapeMrkdwn(name)}* has ended for ${where}. Deploys that waited go ahead in order.`;
}
