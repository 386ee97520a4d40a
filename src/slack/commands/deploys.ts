import type { App, RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { deploysHelp, parseDeploys } from '../../core/parse/deploys';
import { nudgesOptOutText, parseNudgesOptOut } from '../../core/parse/nudges';
import type { NudgeStore } from '../../store/nudges';
import type { BoardService } from '../../services/board';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';

/**
 * `/deploys [app]` (the status board), `/deploys [app] <env>` (an env's last deploys) and
 * `/deploys audit [app] [env] | @person | me` (the audit log): parsed and acked at once, read
 * after the ack, answered only to the person who asked.
 */
export function registerDeploys(
  app: App,
  d: { config: FerryConfig; board: BoardService; log: Logger; limiter: Limiter; nudgeOptOut: Pick<NudgeStore, 'setOptOut'> },
): void {
  app.command(COMMANDS.deploys, async ({ command, ack, respond }) => {
    const nudges = parseNudgesOptOut(command.text, d.config);
    if (nudges) return answerNudges(nudges, command.user_id, ack, respond, d);
    const parsed = parseDeploys(command.text, d.config, command.user_id);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: deploysHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const log = d.log.child({ command: '/deploys', user: command.user_id, what: parsed.value.kind });
    await answerAfterAck(respond, log, d.limiter, () => d.board.answer(parsed.value));
  });
}

/** `/deploys nudges off|on`, answered only to the person who asked. */
async function answerNudges(
  parsed: NonNullable<ReturnType<typeof parseNudgesOptOut>>,
  user: string,
  ack: (a?: { response_type: 'ephemeral'; text: string }) => Promise<void>,
  respond: RespondFn,
  d: { log: Logger; limiter: Limiter; nudgeOptOut: Pick<NudgeStore, 'setOptOut'> },
): Promise<void> {
  if (parsed.kind !== 'ok') return ack({ response_type: 'ephemeral', text: parsed.kind === 'error' ? parsed.message : '' });
  await ack();
  const { off } = parsed.value;
  const log = d.log.child({ command: '/deploys', user, what: 'nudges' });
  await answerAfterAck(respond, log, d.limiter, async () => ({ text: nudgesOptOutText(off, await d.nudgeOptOut.setOptOut(user, off)) }));
}
