import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { buttonTarget, unknownTargetText, WAITLIST_ACTION } from '../../core/fix-buttons';
import type { LockStore } from '../../store/locks';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/** The "Join the wait-list" button on a lock refusal. Clicking again keeps one place in line and says so. */
export function registerWaitlist(
  app: App,
  d: { config: FerryConfig; locks: LockStore; log: Logger; limiter: Limiter; now?: () => number },
): void {
  const now = d.now ?? Date.now;
  app.action<BlockAction<ButtonAction>>(WAITLIST_ACTION, async ({ action, body, ack, respond }) => {
    await ack();
    await answerAfterAck(respond, d.log.child({ action: WAITLIST_ACTION, user: body.user.id }), d.limiter, async () => {
      const { app: appName, env } = buttonTarget(action.value);
      if (!d.config.apps[appName]?.envs[env]) return { text: unknownTargetText({ app: appName, env }) };
      const r = await d.locks.joinWaitlist(appName, env, body.user.id, now());
      if (r.kind === 'free')
        return {
          text: `\`${appName}\` *${env}* is free now: go ahead with \`/deploy ${appName} ${env} &lt;ref&gt;\` or \`/lock ${appName} ${env}\`.`,
        };
      if (r.kind === 'holder') return { text: `You hold the lock on \`${appName}\` *${env}* yourself.` };
      if (r.kind === 'already')
        return {
          text: `You're already on the wait-list for \`${appName}\` *${env}* (#${r.position}); I'll DM you when it's yours to take.`,
        };
      return {
        text: `:ballot_box_with_check: You're #${r.position} on the wait-list for \`${appName}\` *${env}*. I'll DM you when it's yours to take.`,
      };
    });
  });
}
