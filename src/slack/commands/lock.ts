import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../config/types';
import { describeLock, handingText } from '../../core/lock-text';
import { lockHelp, parseLock, parseUnlock } from '../../core/parse/lock';
import { escapeMrkdwn, mention, slackTime } from '../../core/slack-format';
import { waitlistButton } from '../../services/deploy-requests';
import type { LockService } from '../../services/locks';
import type { LockStore } from '../../store/locks';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';

interface LockDeps {
  config: FerryConfig;
  locks: LockStore;
  lockService: LockService;
  log: Logger;
  limiter: Limiter;
  now?: () => number;
}

/** `/lock [app] <env> [duration] [reason]` and `/unlock [app] <env>`. */
export function registerLock(app: App, d: LockDeps): void {
  const now = d.now ?? Date.now;
  app.command('/lock', async ({ command, ack, respond }) => {
    const parsed = parseLock(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: lockHelp() });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const { app: a, env, durationMs, reason } = parsed.value;
    await answerAfterAck(respond, d.log.child({ command: '/lock', user: command.user_id }), d.limiter, async () => {
      const t = now();
      const r = await d.locks.claim(a, env, command.user_id, t, t + durationMs, reason);
      if (r.kind === 'locked' || r.kind === 'handing') {
        const text = `Can't lock: ${r.kind === 'locked' ? describeLock(a, env, r.lock, t) : handingText(a, env, r.next)}`;
        return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, waitlistButton(a, env)] };
      }
      await d.lockService.scheduleTimers(a, env, r.lock);
      const why = r.lock.reason ? ` (${escapeMrkdwn(r.lock.reason)})` : '';
      const verb = r.how === 'new' ? 'is yours' : 'is still yours, now';
      return { text: `:lock: \`${a}\` *${env}* ${verb} until ${slackTime(r.lock.until)}${why}. Nobody else can deploy there until then; \`/unlock ${a} ${env}\` releases it.` };
    });
  });

  app.command('/unlock', async ({ command, ack, respond }) => {
    const parsed = parseUnlock(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: lockHelp() });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const { app: a, env } = parsed.value;
    await answerAfterAck(respond, d.log.child({ command: '/unlock', user: command.user_id }), d.limiter, async () => {
      const r = await d.lockService.release(a, env, command.user_id);
      switch (r.kind) {
        case 'released': {
          const next = r.next ? ` It's held for ${mention(r.next.user)}, who was next on the wait-list; I've told them.` : '';
          const whose = r.previous.holder === command.user_id ? 'Released your lock' : `${mention(r.previous.holder)}'s lock had already expired; cleared it`;
          return { text: `:unlock: ${whose} on \`${a}\` *${env}*.${next}` };
        }
        case 'not_holder':
          return { text: `Only ${mention(r.lock.holder)} can release it: ${describeLock(a, env, r.lock, now())} Ask them, or wait for it to expire.` };
        default:
          return { text: `\`${a}\` *${env}* isn't locked; there is nothing to release.` };
      }
    });
  });
}
