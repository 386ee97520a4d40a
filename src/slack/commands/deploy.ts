import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { deployHelp, parseDeploy } from '../../core/parse/deploy';
import type { CancelService } from '../../services/cancel';
import { answerDeployLog, type DeployLogDeps } from '../../services/deploy-log';
import type { ArrivalOrder } from '../../services/arrival-order';
import { lineOf } from '../../core/orders/order';
import type { DeployRequests } from '../../services/queue-deploy';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';
import type { ReviewCommands } from '../../services/review-apps';
import { REVIEW_NOT_SET_UP } from '../../core/review/actions';

/**
 * `/deploy`: parse and ack at once (bad input is answered in the ack), then queue after the ack.
 * `/deploy log <id>` answers with a link to the deploy's log page, also after the ack;
 * `/deploy cancel <id>` cancels a deploy after the ack; `/deploy [app] pr-42 [ref]` and
 * `/deploy [app] pr-42 teardown` redeploy or tear down a pull request's review app after the ack.
 */
export function registerDeploy(
  app: App,
  d: {
    config: FerryConfig;
    requests: Pick<DeployRequests, 'request'>;
    deployLog: DeployLogDeps;
    cancels: CancelService;
    log: Logger;
    limiter: Limiter;
    arrivals: ArrivalOrder;
    /** Review apps' redeploys and teardowns; absent: `/deploy pr-42` says review apps are not set up here. */
    reviews?: ReviewCommands;
  },
): void {
  app.command(COMMANDS.deploy, async ({ command, ack, respond }) => {
    const parsed = parseDeploy(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: deployHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    if (parsed.kind === 'ok') {
      // Its place in line is taken now, and its work handed over before the ack, in arrival order.
      const log = d.log.child({ command: '/deploy', user: command.user_id });
      const place = d.arrivals.arrive(lineOf(parsed.value.app, parsed.value.env));
      const answered = answerAfterAck(
        respond,
        log,
        d.limiter,
        () => d.requests.request({ kind: 'deploy', ...parsed.value, user: command.user_id }, `deploy:${command.trigger_id}`, place),
        place,
      );
      await ack();
      return answered;
    }
    if (parsed.kind === 'review') {
      if (!d.reviews) return ack({ response_type: 'ephemeral', text: REVIEW_NOT_SET_UP });
      await ack();
      const reviews = d.reviews;
      const { app: name, pr, action, ref } = parsed;
      const log = d.log.child({
        command: `/deploy ${action === 'teardown' ? 'teardown' : 'review'}`,
        user: command.user_id,
        app: name,
        pr,
      });
      return answerAfterAck(respond, log, d.limiter, () =>
        action === 'teardown' ? reviews.personTeardown(name, pr, command.user_id) : reviews.personDeploy(name, pr, ref, command.user_id),
      );
    }
    await ack();
    if (parsed.kind === 'log') {
      const log = d.log.child({ command: '/deploy log', user: command.user_id, deployId: parsed.id });
      return answerAfterAck(respond, log, d.limiter, () => answerDeployLog(d.deployLog, parsed.id));
    }
    const log = d.log.child({ command: '/deploy cancel', user: command.user_id, deployId: parsed.id });
    return answerAfterAck(respond, log, d.limiter, () => d.cancels.cancel(parsed.id, command.user_id));
  });
}
