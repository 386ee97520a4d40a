import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { ASK_RELEASE_ACTION, buttonTarget, unknownTargetText } from '../../core/fix-buttons';
import { askReleaseText } from '../../core/lock-text';
import { mention, slackTime } from '../../core/slack-format';
import type { Queues } from '../../queue/queues';
import type { LockStore } from '../../store/locks';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/**
 * "Ask them to release it", next to "Join the wait-list" on a refusal because of a lock: the holder
 * gets a DM saying who asks and how to release. One DM per person per lock, however often clicked.
 */
export function registerAskRelease(
  app: App,
  d: { config: FerryConfig; locks: LockStore; queues: Pick<Queues, 'dm'>; log: Logger; limiter: Limiter; now?: () => number },
): void {
  const now = d.now ?? Date.now;
  app.action<BlockAction<ButtonAction>>(ASK_RELEASE_ACTION, async ({ action, body, ack, respond }) => {
    await ack();
    const user = body.user.id;
    await answerAfterAck(respond, d.log.child({ action: ASK_RELEASE_ACTION, user }), d.limiter, async () => {
      const { app: appName, env } = buttonTarget(action.value);
      if (!d.config.apps[appName]?.envs[env]) return { text: unknownTargetText({ app: appName, env }) };
      const target = `\`${appName}\` *${env}*`;
      const lock = await d.locks.get(appName, env, now());
      if (!lock || lock.reserved)
        return {
          text: `${target} isn't locked by anyone now${lock?.reserved ? ` (it's held for ${mention(lock.holder)}, next on the wait-list)` : ''}; nobody to ask.`,
        };
      if (lock.holder === user) return { text: `You hold the lock on ${target} yourself; \`/unlock ${appName} ${env}\` releases it.` };
      await d.queues.dm(lock.holder, askReleaseText(appName, env, user, lock), `ask-release-${appName}-${env}-${lock.token}-${user}`);
      return {
        text: `:wave: I've asked ${mention(lock.holder)} to release ${target} (theirs until ${slackTime(lock.until)}). Join the wait-list to be next when they do.`,
      };
    });
  });
}
