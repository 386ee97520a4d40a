import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { nextScheduleEdge, scheduleTargets } from '../core/freeze-schedule';
import { scheduleEdgeText } from '../core/freeze-text';
import type { Queues } from '../queue/queues';
import type { AuditLog } from '../store/audit';

/**
 * Tells the feed when a scheduled freeze (config `freezes:`) begins and ends. Each freeze has one
 * timer job for its next edge (its job id names the freeze and the instant, so every worker that
 * starts asks for the same job); when it fires, the feed is told, the audit log records it per env,
 * and the edge after it is scheduled. Deploys themselves need none of this: the gate reads the
 * schedule whenever it decides.
 */
export class ScheduleFeed {
  constructor(
    private readonly d: { config: FerryConfig; queues: Queues; slack: WebClient; audit: AuditLog; log: Logger; now: () => number },
  ) {}

  /** At worker start: the next edge of every scheduled freeze. */
  async start(): Promise<void> {
    const now = this.d.now();
    for (const f of this.d.config.freezes) {
      const edge = nextScheduleEdge(f, now);
      if (edge) await this.d.queues.scheduleEdge(f.name, edge.at, now);
    }
  }

  /** The timer for freeze `name`'s edge at `at`. A freeze since removed or rescheduled is left alone. */
  async edge(name: string, at: number): Promise<void> {
    const f = this.d.config.freezes.find((x) => x.name === name);
    const edge = f && nextScheduleEdge(f, at - 1);
    if (!f || !edge || edge.at !== at) {
      this.d.log.info({ name, at }, 'scheduled freeze edge no longer in the config; skipped');
      return;
    }
    const now = this.d.now();
    const targets = scheduleTargets(f, this.d.config.apps, this.d.config.appNames);
    const after = nextScheduleEdge(f, at);
    const until = edge.kind === 'start' ? after?.at : undefined;
    // Late by more than a day (workers were down): say nothing stale, just schedule the next one.
    if (now - at < 86_400_000 && targets.length > 0) {
      await this.d.slack.chat.postMessage({
        channel: this.d.config.feedChannel,
        text: scheduleEdgeText(edge.kind, f.name, f.reason, targets, until, now),
        unfurl_links: false,
      });
      for (const t of targets) {
        const detail = `scheduled freeze ${f.name} ${edge.kind === 'start' ? 'began' : 'ended'}${f.reason ? `: ${f.reason}` : ''}`;
        await this.d.audit.record({
          at,
          user: 'ferry',
          action: edge.kind === 'start' ? 'freeze' : 'unfreeze',
          app: t.app,
          env: t.env,
          detail,
        });
      }
    }
    const next = nextScheduleEdge(f, Math.max(at, now));
    if (next) await this.d.queues.scheduleEdge(f.name, next.at, now);
  }
}
