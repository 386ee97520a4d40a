import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { freezeHelp, parseFreeze, parseUnfreeze } from '../../core/parse/freeze';
import type { FreezeService } from '../../services/freezes';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';

/**
 * `/freeze [app] <env>|all [for <duration> | until <time>] [reason]` (no words: what is frozen)
 * and `/unfreeze [app] <env>|all`. Parsed in the ack (times read in the config's time_zone), so bad
 * input is answered at once and changes nothing; the freeze itself happens after the ack.
 */
export function registerFreeze(
  app: App,
  d: { config: FerryConfig; freezes: FreezeService; log: Logger; limiter: Limiter; now?: () => number },
): void {
  const now = d.now ?? Date.now;
  app.command(COMMANDS.freeze, async ({ command, ack, respond }) => {
    const parsed = parseFreeze(command.text, d.config, now(), d.config.timeZone);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: freezeHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const log = d.log.child({ command: '/freeze', user: command.user_id });
    const req = parsed.value;
    if ('list' in req) return answerAfterAck(respond, log, d.limiter, () => d.freezes.list());
    await answerAfterAck(respond, log, d.limiter, () => d.freezes.freeze(req, command.user_id, `freeze:${command.trigger_id}`));
  });

  app.command(COMMANDS.unfreeze, async ({ command, ack, respond }) => {
    const parsed = parseUnfreeze(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: freezeHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    await answerAfterAck(respond, d.log.child({ command: '/unfreeze', user: command.user_id }), d.limiter, () =>
      d.freezes.unfreeze(parsed.value, command.user_id),
    );
  });
}
