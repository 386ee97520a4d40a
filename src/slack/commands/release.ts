import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { parseRelease, releaseHelp } from '../../core/parse/release';
import type { ReleaseService } from '../../services/releases';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';

/**
 * `/release [app] [from-env] [to-env] [force]` and `/release cancel <id>`. Parsed in the ack; the
 * plan (GitHub or git, Slack user lookups) and the summary happen after it.
 */
export function registerRelease(app: App, d: { config: FerryConfig; releases: ReleaseService; log: Logger; limiter: Limiter }): void {
  app.command(COMMANDS.release, async ({ command, ack, respond }) => {
    const parsed = parseRelease(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: releaseHelp(d.config) });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const log = d.log.child({ command: '/release', user: command.user_id });
    const req = parsed.value;
    if (req.kind === 'cancel') return answerAfterAck(respond, log, d.limiter, () => d.releases.cancel(req.id, command.user_id));
    await answerAfterAck(respond, log, d.limiter, () => d.releases.open(req, command.user_id, `slash:${command.trigger_id}`));
  });
}
