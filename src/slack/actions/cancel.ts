import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { CANCEL_ACTION } from '../../core/cancel';
import type { CancelService } from '../../services/cancel';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/**
 * The Cancel button on a deploy's feed message: the same as `/deploy cancel <id>`, answered only
 * to the person who clicked (response_url, ephemeral). A double click cancels once.
 */
export function registerCancel(app: App, d: { cancels: CancelService; log: Logger; limiter: Limiter }): void {
  app.action<BlockAction<ButtonAction>>(CANCEL_ACTION, async ({ action, body, ack, respond }) => {
    await ack();
    const id = /^\d{1,15}$/.test(action.value ?? '') ? Number(action.value) : 0;
    const log = d.log.child({ action: CANCEL_ACTION, user: body.user.id, deployId: id });
    await answerAfterAck(respond, log, d.limiter, async () => {
      if (id < 1)
        return {
          text: `That button doesn't name a deploy I can cancel. Use \`/deploy cancel &lt;id&gt;\` with the number from the feed message (Deploy #42).`,
        };
      return d.cancels.cancel(id, body.user.id);
    });
  });
}
