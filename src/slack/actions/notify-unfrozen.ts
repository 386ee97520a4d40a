import { envOf } from '../../core/review/env';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { buttonTarget, NOTIFY_UNFROZEN_ACTION, unknownTargetText } from '../../core/fix-buttons';
import type { FreezeService } from '../../services/freezes';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/** The "Notify me when unfrozen" button on a refusal because of a freeze. Clicking twice, one DM. */
export function registerNotifyUnfrozen(app: App, d: { config: FerryConfig; freezes: FreezeService; log: Logger; limiter: Limiter }): void {
  app.action<BlockAction<ButtonAction>>(NOTIFY_UNFROZEN_ACTION, async ({ action, body, ack, respond }) => {
    await ack();
    await answerAfterAck(respond, d.log.child({ action: NOTIFY_UNFROZEN_ACTION, user: body.user.id }), d.limiter, async () => {
      const { app: appName, env } = buttonTarget(action.value);
      if (!envOf(d.config.apps[appName], env)) return { text: unknownTargetText({ app: appName, env }) };
      return d.freezes.notifyMe(appName, env, body.user.id);
    });
  });
}
