import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { nextDigestAt } from '../core/delivery/digest-time';
import { formatWall } from '../core/time-zone';

export interface WeeklyDigestDeps {
  config: Pick<FerryConfig, 'appNames' | 'apps' | 'feedChannel'>;
  /** One timer job per app and instant, however many processes ask (Queues.digestTimer). */
  schedule: (app: string, at: number, now: number) => Promise<void>;
  /** The digest's text: the app's 7-day figures (DeliveryStats.text); absent: no figures source, no digest. */
  text?: (app: string, heading: string) => Promise<string>;
  post: (channel: string, text: string) => Promise<void>;
  log: Logger;
  now: () => number;
}

/** A digest this late (workers down) is skipped: figures posted hours after their time read as news they are not. */
const TOO_LATE_MS = 6 * 3_600_000;

/**
 * The weekly digest (config `digest:` per app): the app's delivery figures over the last 7 days
 * posted to the feed (or its channel) once a week at its local day and time. Each app has one timer
 * job for its next digest, its job id naming the app and the instant, so every worker that starts
 * asks for the same job and it runs once; when it fires, the digest is posted and the next one
 * scheduled. Without a figures source nothing is scheduled.
 */
export class WeeklyDigest {
  constructor(private readonly d: WeeklyDigestDeps) {}

  /** At worker start: every app's next digest. */
  async start(): Promise<void> {
    const apps = this.d.config.appNames.filter((a) => this.d.config.apps[a]!.digest);
    if (apps.length === 0) return;
    if (!this.d.text) {
      this.d.log.warn({ apps }, 'digest: is set but this Ferry has no delivery figures yet; no digest is posted');
      return;
    }
    const now = this.d.now();
    for (const app of apps) await this.d.schedule(app, nextDigestAt(this.d.config.apps[app]!.digest!, now), now);
  }

  /** The timer for `app`'s digest at `at`. A digest since removed or moved is left alone (its new time was scheduled at start). */
  async fire(app: string, at: number): Promise<void> {
    const digest = this.d.config.apps[app]?.digest;
    if (!digest || nextDigestAt(digest, at - 1) !== at || !this.d.text) {
      this.d.log.info({ app, at }, 'digest no longer in the config at this time; skipped');
      return;
    }
    const now = this.d.now();
    if (now - at < TOO_LATE_MS) {
      const heading = `*Weekly delivery figures for \`${app}\`*, the last 7 days (before: the 7 days before them)`;
      await this.d.post(digest.channel ?? this.d.config.feedChannel, await this.d.text(app, heading));
    } else {
      this.d.log.warn({ app, at, late: formatWall(at, digest.tz) }, 'digest skipped: its time passed while no worker ran');
    }
    await this.d.schedule(app, nextDigestAt(digest, Math.max(at, now)), now);
  }
}
