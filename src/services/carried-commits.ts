import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';
import type { CommitSource } from '../source/types';
import type { DeliveryHistory } from '../store/delivery-history';

/**
 * An after-deploy step: records the commits a successful production deploy first carried (what lay
 * between the env's previous successful deploy's SHA and its own), with their author times, for
 * the lead time (docs/delivery-figures.md). Once-only: a deploy whose commits are recorded is
 * skipped. A first deploy (no previous SHA) records none. The commit source failing throws, so the
 * job is retried.
 */
export class CarriedCommits {
  constructor(
    private readonly d: {
      /** The app's production env (the lead time is measured there alone; see docs/delivery-figures.md). */
      isProduction: (app: string, env: string) => boolean;
      history: Pick<DeliveryHistory, 'hasCarried' | 'setCarried' | 'previousSuccessSha'>;
      sources: Readonly<Record<string, CommitSource>>;
      /** delivery_retention: how long the record is kept. */
      retentionMs: number;
      log: Logger;
    },
  ) {}

  async deployFinished(dep: Deploy): Promise<void> {
    if (dep.status !== 'succeeded' || dep.review || dep.finishedAt === undefined || !this.d.isProduction(dep.app, dep.env)) return;
    if (await this.d.history.hasCarried(dep.id)) return;
    const base = (await this.d.history.previousSuccessSha(dep.app, dep.env, dep.finishedAt, dep.id)) ?? dep.previousSha;
    const source = this.d.sources[dep.app];
    let commits: { sha: string; date: number; subject: string }[] = [];
    if (base && source && base !== dep.sha) {
      const range = await source.compare(base, dep.sha);
      commits = range.kind === 'ahead' || range.kind === 'diverged' ? range.commits : [];
    }
    await this.d.history.setCarried(dep.id, commits, this.d.retentionMs);
    this.d.log.debug({ deployId: dep.id, commits: commits.length, base }, 'carried commits recorded');
  }
}
