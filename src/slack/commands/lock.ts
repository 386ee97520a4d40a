import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FerryConfig } from '../../core/config/types';
import { describeLock, handingText, lockAuditDetail, unlockAuditDetail } from '../../core/lock-text';
import { lockHelp, parseLock, parseUnlock } from '../../core/parse/lock';
import { mentionList } from '../../core/permissions';
import { authorize } from '../../services/authorize';
import { escapeMrkdwn, mention, slackTime } from '../../core/slack-format';
import { lockButtons } from '../../core/fix-buttons';
import type { Answer } from '../../services/queue-deploy';
import type { LockService } from '../../services/locks';
import type { Permissions } from '../../services/permissions';
import type { AuditLog } from '../../store/audit';
import type { LockInfo, LockStore } from '../../store/locks';
import type { Limiter } from '../../util/limiter';
import { answerAfterAck } from '../answer';
import { COMMANDS } from './names';

interface LockDeps {
  config: FerryConfig;
  locks: LockStore;
  lockService: LockService;
  log: Logger;
  limiter: Limiter;
  /** `/lock` needs `permissions.lock`; admins may `/unlock` anyone's lock. */
  permissions: Pick<Permissions, 'check' | 'isAdmin' | 'admins'>;
  audit: AuditLog;
  now?: () => number;
}

/** `/lock [app] <env> [duration] [reason]` and `/unlock [app] <env>`. */
export function registerLock(app: App, d: LockDeps): void {
  const now = d.now ?? Date.now;
  app.command(COMMANDS.lock, async ({ command, ack, respond }) => {
    const parsed = parseLock(command.text, d.config);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: lockHelp() });
    if (parsed.kind === 'error') return ack({ response_type: 'ephemeral', text: parsed.message });
    await ack();
    const { app: a, env, durationMs, reason } = parsed.value;
    await answerAfterAck(respond, d.log.child({ command: '/lock', user: command.user_id }), d.limiter, async () => {
      const refused = await authorize({ ...d, now }, 'lock', command.user_id, a, env);
      if (refused) return { text: refused };
      const t = now();
      const r = await d.locks.claim(a, env, command.user_id, t, t + durationMs, reason);
      if (r.kind === 'locked' || r.kind === 'handing') {
        const text = `Can't lock: ${r.kind === 'locked' ? describeLock(a, env, r.lock, t) : handingText(a, env, r.next)}`;
        return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, lockButtons(a, env, r.kind === 'locked')] };
      }
      await d.lockService.scheduleTimers(a, env, r.lock);
      await d.audit
        .record({ at: t, user: command.user_id, action: 'lock', app: a, env, detail: lockAuditDetail(r.how, r.lock) })
        .catch((err: Error) => d.log.error({ err: err.message, app: a, env }, 'could not record the lock in the audit log'));
      const why = r.lock.reason ? ` (${escapeMrkdwn(r.lock.reason)})` : '';
      const verb = r.how === 'new' ? 'is yours' : 'is still yours, now';
      return {
        text: `:lock: \`${a}\` *${env}* ${verb} until ${slackTime(r.lock.until)}${why}. Nobody else can deploy there until then; \`/unlock ${a} ${env}\` releases it.`,
      };
    });
  });

  app.command(COMMANDS.unlock, async ({ command, ack, respond }) => {
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
          await d.audit
            .record({
              at: now(),
              user: command.user_id,
              action: 'unlock',
              app: a,
              env,
              detail: unlockAuditDetail(command.user_id, r.previous, r.next?.user),
            })
            .catch((err: Error) => d.log.error({ err: err.message, app: a, env }, 'could not record the unlock in the audit log'));
          const whose =
            r.previous.holder === command.user_id
              ? 'Released your lock'
              : `${mention(r.previous.holder)}'s lock had already expired; cleared it`;
          return { text: `:unlock: ${whose} on \`${a}\` *${env}*.${next}` };
        }
        case 'not_holder': {
          if (await d.permissions.isAdmin(command.user_id)) return releaseAsAdmin(d, a, env, command.user_id, r.lock, now);
          const admins = d.permissions.admins.filter((x) => x !== r.lock.holder);
          const orAdmin = admins.length > 0 ? `\nAn admin can release it too: ${mentionList(admins)}.` : '';
          return {
            text: `Only ${mention(r.lock.holder)} can release it: ${describeLock(a, env, r.lock, now())} Ask them, or wait for it to expire.${orAdmin}`,
          };
        }
        default:
          return { text: `\`${a}\` *${env}* isn't locked; there is nothing to release.` };
      }
    });
  });
}

/** `/unlock` by an admin of someone else's lock: released, the holder DMed, the wait-list handed on, audited. */
async function releaseAsAdmin(d: LockDeps, a: string, env: string, admin: string, lock: LockInfo, now: () => number): Promise<Answer> {
  const r = await d.lockService.releaseAsAdmin(a, env, admin, lock.token);
  if (r.kind !== 'released') {
    return {
      text: `The lock on \`${a}\` *${env}* changed while I was releasing it, so I left it alone. \`/unlock ${a} ${env}\` again to see who holds it now.`,
    };
  }
  const holder = r.previous.holder;
  const detail = `released ${holder}'s ${r.previous.reserved ? 'wait-list turn' : 'lock'} as an admin${r.next ? `; held for ${r.next.user}, next on the wait-list` : ''}`;
  await d.audit
    .record({ at: now(), user: admin, action: 'unlock', app: a, env, detail })
    .catch((err: Error) => d.log.error({ err: err.message, app: a, env }, 'could not record the unlock in the audit log'));
  const what = r.previous.reserved ? `the hold for ${mention(holder)} (next on the wait-list) on` : `${mention(holder)}'s lock on`;
  const next = r.next ? ` It's held for ${mention(r.next.user)}, who was next on the wait-list; I've told them.` : '';
  return { text: `:unlock: Released ${what} \`${a}\` *${env}*; I've let them know it was you.${next}` };
}
