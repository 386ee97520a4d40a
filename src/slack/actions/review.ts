import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { parseReviewActionValue, REVIEW_NOT_SET_UP, REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION } from '../../core/review/actions';
import type { FerryConfig } from '../../core/config/types';
import type { ReviewFeed } from '../../feed/review-feed';
import type { ReviewCommands } from '../../services/review-apps';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/**
 * The Tear down and Redeploy buttons on a review app's feed message: the same as `/deploy
 * pr-42 teardown` and `/deploy pr-42`, answered only to the person who clicked. A value that
 * names no review app is answered and changes nothing.
 */
export function registerReviewActions(
  app: App,
  d: {
    config: FerryConfig;
    reviews?: ReviewCommands;
    /** Brings the clicked message up to date afterwards (it may have been behind). */
    reviewFeed?: Pick<ReviewFeed, 'refresh'>;
    log: Logger;
    limiter: Limiter;
  },
): void {
  for (const id of [REVIEW_TEARDOWN_ACTION, REVIEW_REDEPLOY_ACTION]) {
    app.action<BlockAction<ButtonAction>>(id, async ({ action, body, ack, respond }) => {
      await ack();
      const parsed = parseReviewActionValue(action.value);
      const target = parsed && d.config.apps[parsed.app]?.reviewApps ? parsed : undefined;
      const log = d.log.child({ action: id, user: body.user.id, ...target });
      await answerAfterAck(respond, log, d.limiter, async () => {
        if (!target) {
          const command =
            id === REVIEW_TEARDOWN_ACTION ? '/deploy &lt;app&gt; pr-&lt;number&gt; teardown' : '/deploy &lt;app&gt; pr-&lt;number&gt;';
          return {
            text: `That button doesn't name a review app I know. Nothing was changed; use \`${command}\` with the pull request's number, e.g. \`/deploy web pr-42\`.`,
          };
        }
        if (!d.reviews) return { text: REVIEW_NOT_SET_UP };
        return id === REVIEW_TEARDOWN_ACTION
          ? d.reviews.personTeardown(target.app, target.pr, body.user.id)
          : d.reviews.personDeploy(target.app, target.pr, undefined, body.user.id);
      });
      if (target && d.reviews)
        await d.reviewFeed
          ?.refresh(target.app, target.pr)
          .catch((err: Error) => log.warn({ err: err.message }, 'review app message refresh failed'));
    });
  }
}
