import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { type Deploy, shortSha } from '../core/deploy';
import { FERRY_USER, promotionKey, promotionStep } from '../core/promotion';
import type { DeployStore } from '../store/deploys';
import type { Answer, DeployRequests } from './queue-deploy';

export interface PromotionDeps {
  config: FerryConfig;
  deploys: Pick<DeployStore, 'claim' | 'settle' | 'envState'>;
  requests: Pick<DeployRequests, 'request'>;
  /** Opens a release (ReleaseService.open), for a target that takes releases from the source env. */
  openRelease: (req: { app: string; from: string; to: string; force: boolean }, user: string, idempotencyKey: string) => Promise<Answer>;
  postFeed: (text: string) => Promise<void>;
  log: Logger;
}

/**
 * `promote: auto`: a green deploy (smoke check passed, when there is one) goes on to the env's
 * `promote_to:` through that env's own rules: a release when the target takes releases from this
 * env (`promote_from:`), else an automatic deploy of the same SHA (freezes hold it, windows queue
 * it, a lock refuses it). Once per source deploy: a re-run of its end promotes nothing again.
 */
export class Promotions {
  constructor(private readonly d: PromotionDeps) {}

  async deployFinished(dep: Deploy): Promise<void> {
    const step = promotionStep(this.d.config, dep);
    if (step.kind === 'none') return;
    if (!(await this.d.deploys.claim(dep.id, 'promote', 120_000))) return;
    try {
      if (step.kind === 'release') await this.release(dep, step.to);
      else await this.deploy(dep, step.to);
      await this.d.deploys.settle(dep.id, 'promote', true);
    } catch (err) {
      await this.d.deploys.settle(dep.id, 'promote', false);
      throw err;
    }
  }

  private async deploy(dep: Deploy, to: string): Promise<void> {
    const before = (await this.d.deploys.envState(dep.app, to)).sha ?? '';
    const answer = await this.d.requests.request(
      {
        kind: 'promotion',
        app: dep.app,
        env: to,
        ref: dep.ref,
        sha: dep.sha,
        user: FERRY_USER,
        from: { env: dep.env, deployId: dep.id },
        before,
      },
      promotionKey(dep.id),
    );
    const what = `\`${shortSha(dep.sha)}\` of \`${dep.app}\``;
    if (answer.deployId !== undefined) {
      this.d.log.info({ deployId: dep.id, to, promoted: answer.deployId }, 'promoted');
      await this.d.postFeed(`:arrow_right: ${what} promoted from ${dep.env} deploy #${dep.id} to *${to}* as deploy #${answer.deployId}.`);
    } else {
      this.d.log.info({ deployId: dep.id, to }, 'not promoted');
      await this.d.postFeed(
        `:no_entry: ${what} was not promoted from ${dep.env} deploy #${dep.id} to *${to}*: ${answer.refused ?? answer.text}`,
      );
    }
  }

  private async release(dep: Deploy, to: string): Promise<void> {
    const answer = await this.d.openRelease({ app: dep.app, from: dep.env, to, force: false }, FERRY_USER, promotionKey(dep.id));
    this.d.log.info({ deployId: dep.id, to }, 'promotion opened a release');
    await this.d.postFeed(
      `:arrow_right: ${dep.env} deploy #${dep.id} (\`${shortSha(dep.sha)}\` of \`${dep.app}\`) goes on to *${to}* through a release: ${firstLine(answer.text)}`,
    );
  }
}

const firstLine = (t: string): string => t.split('\n')[0] ?? '';
