import { DAY_MS } from '../core/delivery/durations';
import { deliveryEnvs, type PromotionEnvs } from '../core/delivery/envs';
import { computeFigures } from '../core/delivery/figures';
import type { DeliveryFiguresSource, EnvFigures, PeriodDays } from '../core/delivery/types';
import type { DeliveryHistory } from '../store/delivery-history';

/** Deploys (and alert freezes) one env's figures read at most: the newest of the two periods. */
export const FIGURES_MAX_DEPLOYS = 10_000;

/**
 * The delivery figures over Redis: reads the env's finished deploys of the period and the one
 * before it (bounded), the commits they carried and the env's alert freezes, and computes the
 * figures (src/core/delivery/figures.ts; docs/delivery-figures.md).
 */
export class DeliveryFigures implements DeliveryFiguresSource {
  constructor(
    private readonly d: {
      history: Pick<DeliveryHistory, 'finishedIn' | 'facts' | 'carried' | 'alertFreezes'>;
      apps: Readonly<Record<string, PromotionEnvs>>;
    },
  ) {}

  async figures(app: string, env: string, days: PeriodDays, now: number): Promise<EnvFigures> {
    const from = now - 2 * days * DAY_MS;
    const h = this.d.history;
    const ids = await h.finishedIn(app, env, from, now, FIGURES_MAX_DEPLOYS);
    const [deploys, alertFreezes] = await Promise.all([h.facts(ids), h.alertFreezes(app, env, from, now, FIGURES_MAX_DEPLOYS)]);
    const carried = await h.carried(deploys.filter((x) => x.status === 'succeeded').map((x) => x.id));
    return computeFigures({ app, env, days, now, deploys, carried, alertFreezes });
  }

  envsOf(app: string): string[] {
    const a = this.d.apps[app];
    return a ? deliveryEnvs(a) : [];
  }
}
