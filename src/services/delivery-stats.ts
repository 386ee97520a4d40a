import type { Logger } from 'pino';
import { freshStatsUrl } from '../core/delivery/stats-link';
import { renderStatsText } from '../core/delivery/stats-text';
import type { DeliveryFiguresSource, EnvFigures, PeriodDays } from '../core/delivery/types';
import type { LogLinks } from '../core/log-link';

export interface DeliveryStatsDeps {
  delivery: DeliveryFiguresSource;
  /** How to sign stats page links; undefined when FERRY_PUBLIC_URL is not set (the page is off, no link). */
  links: () => LogLinks | undefined;
  log: Logger;
  now: () => number;
}

/** `/deploys stats` and the weekly digest: an app's envs' figures read from the source and rendered. Read-only. */
export class DeliveryStats {
  constructor(private readonly d: DeliveryStatsDeps) {}

  /** Every env's figures, production first, read side by side. */
  async figures(app: string, days: PeriodDays, now: number): Promise<EnvFigures[]> {
    return Promise.all(this.d.delivery.envsOf(app).map((env) => this.d.delivery.figures(app, env, days, now)));
  }

  /** The mrkdwn text; `heading` replaces the default one (the digest's). */
  async text(app: string, days: PeriodDays, heading?: string): Promise<string> {
    const now = this.d.now();
    const envs = await this.figures(app, days, now);
    const links = this.d.links();
    return renderStatsText({
      app,
      days,
      envs,
      ...(links && { statsUrl: freshStatsUrl(links, app, days, now) }),
      ...(heading !== undefined && { heading }),
    });
  }

  async answer(app: string, days: PeriodDays): Promise<{ text: string }> {
    return { text: await this.text(app, days) };
  }
}
