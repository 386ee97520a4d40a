import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../config/types';
import { parseRollback, rollbackHelp } from '../../core/parse/rollback';
import type { RollbackService } from '../../services/rollback';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

/**
 * `/rollback [app] <env> [deploy-id|sha]`: parse and ack at once (bad input is answered in the
 * ack), then choose the SHA and queue the rollback after the ack.
 */
export function registerRollback(app: App, d: { config: FerryConfig; rollbacks: RollbackService; log: Logger; limiter: Limiter }): void {
  app.command('/rollback', async ({ command, ack, respond }) => {
    const parsed = parseRollback(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: rollbackHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const log = d.log.child({ command: '/rollback', user: command.user_id });
    const name = command.user_name || command.user_id;
    await answerAfterAck(respond, log, d.limiter, () => d.rollbacks.rollback(parsed.value, command.user_id, name, `rollback:${command.trigger_id}`));
  });
}
