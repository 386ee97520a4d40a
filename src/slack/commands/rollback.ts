import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { parseRollback, rollbackHelp } from '../../core/parse/rollback';
import type { ArrivalOrder } from '../../services/arrival-order';
import { lineOf } from '../../core/orders/order';
import type { RollbackService } from '../../services/rollback';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';

/**
 * `/rollback [app] <env> [deploy-id|sha]`: parse and ack at once (bad input is answered in the
 * ack), then choose the SHA and queue the rollback after the ack.
 */
export function registerRollback(
  app: App,
  d: { config: FerryConfig; rollbacks: RollbackService; log: Logger; limiter: Limiter; arrivals: ArrivalOrder },
): void {
  app.command(COMMANDS.rollback, async ({ command, ack, respond }) => {
    const parsed = parseRollback(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: rollbackHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    const log = d.log.child({ command: '/rollback', user: command.user_id });
    const name = command.user_name || command.user_id;
    // Its place in line is taken now, and its work handed over before the ack, in arrival order.
    const place = d.arrivals.arrive(lineOf(parsed.value.app, parsed.value.env));
    const answered = answerAfterAck(
      respond,
      log,
      d.limiter,
      () => d.rollbacks.rollback(parsed.value, { kind: 'rollback', user: command.user_id, name }, `rollback:${command.trigger_id}`, place),
      place,
    );
    await ack();
    await answered;
  });
}
