import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type Alert, alertFiringText, alertResolvedText } from '../core/alerts';
import { activeScheduledFreezes } from '../core/freeze-schedule';
import { freezeListText, frozenAnswer, frozenFeedText, unfrozenFeedText, unfrozenNotifyText } from '../core/freeze-text';
import { type FreezeState, scheduledFreezeState } from '../core/gate';
import { escapeMrkdwn, mention, mrkdwnToPlain } from '../core/slack-format';
import type { Queues } from '../queue/queues';
import type { AuditLog } from '../store/audit';
import type { FreezeStore, StoredFreeze } from '../store/freezes';
import type { Answer } from './queue-deploy';

/** Refuses an action the person may not take; undefined when they may (wired to Permissions). */
export type Allow = (action: 'freeze', user: string, app: string, env: string) => Promise<string | undefined>;

/**
 * Freezing and unfreezing envs: the freeze itself (FreezeStore), its expiry timer, the feed's
 * line, the audit entry, and letting held deploys go ahead in order when it lifts.
 */
export class FreezeService {
  constructor(
    private readonly d: {
      store: FreezeStore;
      queues: Queues;
      slack: WebClient;
      audit: AuditLog;
      config: FerryConfig;
      log: Logger;
      allow?: Allow;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** `idempotencyKey`: the same request delivered again (a retry) changes nothing. */
  async freeze(
    req: { app: string; envs: string[]; until?: number; reason: string },
    user: string,
    idempotencyKey?: string,
  ): Promise<Answer> {
    for (const env of req.envs) {
      const refused = await this.d.allow?.('freeze', user, req.app, env);
      if (refused) return { text: refused };
    }
    const now = this.now();
    const f: FreezeState = {
      by: user,
      reason: req.reason,
      since: now,
      source: 'manual',
      ...(req.until !== undefined && { until: req.until }),
    };
    const results = await this.d.store.freeze(req.app, req.envs, f, idempotencyKey);
    if (results === 'duplicate')
      return { text: `Already done: that \`/freeze\` was handled a moment ago. \`/freeze\` lists what is frozen now.` };
    const frozen = results.filter((r) => r.kind === 'frozen');
    for (const r of frozen) {
      if (f.until !== undefined)
        await this.d.queues.schedule({ kind: 'freeze-expire', app: req.app, env: r.env, token: r.token }, f.until, now);
      await this.d.audit.record({
        at: now,
        user,
        action: 'freeze',
        app: req.app,
        env: r.env,
        detail: `${req.reason || 'no reason given'}${f.until ? ` (until ${new Date(f.until).toISOString()})` : ''}`,
      });
    }
    if (frozen.length)
      await this.post(
        frozenFeedText(
          req.app,
          frozen.map((r) => r.env),
          f,
          now,
        ),
      );
    this.d.log.info({ app: req.app, envs: frozen.map((r) => r.env), user, until: f.until }, 'frozen');
    const kept = results.flatMap((r) => (r.kind === 'kept' ? [{ env: r.env, source: r.source }] : []));
    return {
      text: frozenAnswer(
        req.app,
        frozen.map((r) => r.env),
        kept,
        f,
        now,
      ),
    };
  }

  async unfreeze(req: { app: string; envs: string[] }, user: string): Promise<Answer> {
    for (const env of req.envs) {
      const refused = await this.d.allow?.('freeze', user, req.app, env);
      if (refused) return { text: refused };
    }
    const lines: string[] = [];
    for (const env of req.envs) {
      const r = await this.d.store.lift(req.app, env, ['manual', 'release']);
      const target = `\`${escapeMrkdwn(req.app)}\` *${escapeMrkdwn(env)}*`;
      if (r.kind === 'not-frozen') {
        const scheduled = activeScheduledFreezes(this.d.config.freezes, req.app, env, this.now());
        lines.push(
          scheduled.length
            ? `${target} is frozen by the schedule *${escapeMrkdwn(scheduled[0]!.freeze.name)}*, which \`/unfreeze\` can't lift; change \`freezes:\` in the config.`
            : `${target} wasn't frozen.`,
        );
      } else if (r.kind === 'kept') {
        lines.push(
          `${target} is frozen by the ${escapeMrkdwn(r.source)}, not by a person; it lifts when the ${escapeMrkdwn(r.source)} is resolved.`,
        );
      } else if (r.kind === 'alerting') {
        await this.stillAlerting(req.app, env, user, r.previous, r.alert);
        lines.push(
          `Lifted that freeze, but ${target} stays frozen: the alert *${escapeMrkdwn(r.alert)}* is still firing there; it lifts when the alert is resolved.`,
        );
      } else {
        await this.lifted(req.app, env, user, r.previous);
        lines.push(`:sunny: Unfroze ${target}.`);
      }
    }
    return { text: lines.join('\n') };
  }

  /**
   * A freeze Ferry sets for something other than a person's `/freeze` (a release holding its source
   * still while it is checked), told to the feed with `line`. Idempotent on `idempotencyKey`. False
   * when the env is already frozen by another source (that freeze stays, and holds the env just the same).
   */
  async freezeFor(app: string, env: string, f: FreezeState, idempotencyKey: string, line: string): Promise<boolean> {
    const r = await this.d.store.freeze(app, [env], f, idempotencyKey);
    if (r === 'duplicate') return true;
    if (r[0]?.kind !== 'frozen') return false;
    await this.d.audit.record({ at: this.now(), user: f.by, action: 'freeze', app, env, detail: f.reason });
    await this.post(line);
    this.d.log.info({ app, env, source: f.source, name: f.name }, 'frozen');
    return true;
  }

  /**
   * Lifts the env's freeze if it is `source`'s named `name` (the release that set it ended); the
   * deploys it held go ahead in order and the feed is told with `line` (plus their count).
   */
  async liftFor(app: string, env: string, source: FreezeState['source'], name: string, line: string): Promise<boolean> {
    const r = await this.d.store.lift(app, env, [source], name);
    if (r.kind === 'alerting') await this.stillAlerting(app, env, 'ferry', r.previous, r.alert);
    if (r.kind !== 'lifted') return r.kind === 'alerting';
    await this.lifted(app, env, 'ferry', r.previous, line);
    return true;
  }

  /** A freeze was lifted while alerts fire on the env, which is frozen for them instead: audited and told, nothing released. */
  private async stillAlerting(app: string, env: string, by: string, previous: StoredFreeze, alert: string): Promise<void> {
    await this.d.audit.record({
      at: this.now(),
      user: by === 'expired' ? 'ferry' : by,
      action: 'unfreeze',
      app,
      env,
      detail: `lifted the freeze set by ${previous.by}; the alert ${alert} still freezes it`,
    });
    await this.post(
      `:rotating_light: \`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*: ${previous.source === 'manual' ? `${mention(previous.by)}'s` : `the ${escapeMrkdwn(previous.source)}'s`} freeze ${by === 'expired' ? 'ended' : 'was lifted'}, but the alert *${escapeMrkdwn(alert)}* is still firing, so it stays frozen until the alert is resolved.`,
    );
  }

  /**
   * Alerts posted for an env, in order: a firing one freezes it (source 'alert'), the last one
   * resolved lifts that freeze (never a person's or a release's), each told to the feed once.
   * Returns the names of the alerts newly firing, newly resolved, and repeated (nothing changed).
   */
  async alerts(app: string, env: string, alerts: readonly Alert[]): Promise<{ firing: string[]; resolved: string[]; repeated: string[] }> {
    const out = { firing: [] as string[], resolved: [] as string[], repeated: [] as string[] };
    for (const a of alerts) {
      const now = this.now();
      if (a.firing) {
        const r = await this.d.store.alertFiring(app, env, a, now);
        if (r.kind === 'duplicate') {
          out.repeated.push(a.name);
          continue;
        }
        out.firing.push(a.name);
        if (r.kind === 'frozen') {
          await this.d.audit.record({
            at: now,
            user: 'alert',
            action: 'freeze',
            app,
            env,
            detail: `${a.name}${a.summary ? `: ${a.summary}` : ''}`,
          });
        }
        await this.post(alertFiringText(app, env, a, r.kind === 'frozen' ? { kind: 'frozen' } : r));
        this.d.log.info({ app, env, alert: a.name, outcome: r.kind }, 'alert firing');
      } else {
        const r = await this.d.store.alertResolved(app, env, a.key);
        if (r.kind === 'unknown') {
          out.repeated.push(a.name);
          continue;
        }
        out.resolved.push(a.name);
        if (r.kind === 'lifted') await this.lifted(app, env, 'alert', r.previous, alertResolvedText(app, env, a, { kind: 'lifted' }));
        else await this.post(alertResolvedText(app, env, a, r));
        this.d.log.info({ app, env, alert: a.name, outcome: r.kind }, 'alert resolved');
      }
    }
    return out;
  }

  /** The expiry timer of freeze `token`. */
  async expire(app: string, env: string, token: number): Promise<void> {
    const r = await this.d.store.expire(app, env, token, this.now());
    if (r.kind === 'lifted') await this.lifted(app, env, 'expired', r.previous);
    if (r.kind === 'alerting') await this.stillAlerting(app, env, 'expired', r.previous, r.alert);
  }

  /** `/freeze` with no env: the freezes standing now, set by people and by the schedule. */
  async list(): Promise<Answer> {
    const now = this.now();
    const targets = this.d.config.appNames.flatMap((app) => this.d.config.apps[app]!.envNames.map((env) => ({ app, env })));
    const stored = await this.d.store.many(targets);
    const entries: { app: string; env: string; freeze: FreezeState }[] = [];
    targets.forEach((t, i) => {
      const f = stored[i];
      if (f && (f.until === undefined || f.until > now)) entries.push({ ...t, freeze: f });
      for (const s of activeScheduledFreezes(this.d.config.freezes, t.app, t.env, now)) {
        entries.push({ ...t, freeze: scheduledFreezeState(s) });
      }
    });
    return { text: freezeListText(entries, now) };
  }

  /** The freeze standing on an env now: a person's (or an alert's or a release's), else the schedule's. */
  async standing(app: string, env: string): Promise<FreezeState | undefined> {
    const now = this.now();
    const f = await this.d.store.get(app, env);
    if (f && (f.until === undefined || f.until > now)) return f;
    const s = activeScheduledFreezes(this.d.config.freezes, app, env, now)[0];
    return s && scheduledFreezeState(s);
  }

  /**
   * "Notify me when unfrozen": a freeze set by someone tells the people who asked when it lifts; a
   * scheduled freeze ends at a known time, so the DM is queued for then. Asking twice, one DM.
   */
  async notifyMe(app: string, env: string, user: string): Promise<Answer> {
    const target = `\`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*`;
    const f = await this.standing(app, env);
    if (!f) return { text: `${target} isn't frozen any more; go ahead and deploy.` };
    if (f.source === 'schedule' && f.until !== undefined) {
      await this.d.queues.dm(
        user,
        unfrozenNotifyText(app, env),
        `unfrozen-${app}-${env}-schedule-${f.until}-${user}`,
        f.until - this.now(),
      );
    } else {
      await this.d.store.notifyMe(app, env, user);
    }
    return { text: `:bell: I'll DM you when ${target} is no longer frozen.` };
  }

  /** `line`: what the feed says instead of who unfroze it (for freezes Ferry lifts itself). */
  private async lifted(app: string, env: string, by: string | 'expired', previous: StoredFreeze, line?: string): Promise<void> {
    const now = this.now();
    const held = await this.d.queues.release(app, env);
    const detail = line
      ? mrkdwnToPlain(line)
      : by === 'expired'
        ? 'the freeze ended'
        : by === previous.by
          ? 'lifted their own freeze'
          : `lifted the freeze set by ${previous.by}`;
    await this.d.audit.record({ at: now, user: by === 'expired' ? 'ferry' : by, action: 'unfreeze', app, env, detail });
    const queue = held > 0 ? ` ${held} waiting deploy${held === 1 ? '' : 's'} now go${held === 1 ? 'es' : ''} ahead in order.` : '';
    await this.post(line ? `${line}${queue}` : unfrozenFeedText(app, env, by, previous, held));
    for (const user of await this.d.store.takeNotify(app, env))
      await this.d.queues.dm(user, unfrozenNotifyText(app, env), `unfrozen-${app}-${env}-${previous.token}-${user}`);
    this.d.log.info({ app, env, by, held }, 'unfrozen');
  }

  private async post(text: string): Promise<void> {
    try {
      await this.d.slack.chat.postMessage({ channel: this.d.config.feedChannel, text, unfurl_links: false });
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message }, 'could not post to the feed');
    }
  }
}

export type { StoredFreeze };
