import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { NUDGE_RELEASE } from '../../core/nudge/message';
import { nudgeTarget } from '../../core/nudge/target';
import { escapeMrkdwn } from '../../core/slack-format';
import type { ReleaseService } from '../../services/releases';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/**
 * The Release button on a nudge: opens the release of what waits (the env that feeds production
 * to production), as the clicker, the way `/release <app>` does, and answers them as it does.
 */
export function registerNudgeActions(
  app: App,
  d: { config: FerryConfig; releases: Pick<ReleaseService, 'open'>; log: Logger; limiter: Limiter },
): void {
  app.action<BlockAction<ButtonAction>>(NUDGE_RELEASE, async ({ action, body, ack, respond }) => {
    await ack();
    const user = body.user.id;
    const name = action.value ?? '';
    await answerAfterAck(respond, d.log.child({ action: NUDGE_RELEASE, user, app: name }), d.limiter, async () => {
      const config = Object.hasOwn(d.config.apps, name) ? d.config.apps[name] : undefined;
      if (!config) return { text: `There is no app \`${escapeMrkdwn(name)}\` in the config any more; nothing to release.` };
      const { from, to } = nudgeTarget(config);
      if (!from) return { text: `\`${escapeMrkdwn(name)}\` has no promotion chain (promote_from), so there is no release to open.` };
      // One release per click, however often Slack delivers it.
      return d.releases.open({ app: name, from, to, force: false }, user, `nudge:${body.trigger_id ?? `${user}:${action.action_ts}`}`);
    });
  });
}
