import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { autoDeployTargets, type Push, pushNotDeployedText, pushUser } from '../core/github-push';
import type { ArrivalOrder, Place } from './arrival-order';
import { lineOf } from '../core/orders/order';
import type { DeployRequests } from './queue-deploy';

export interface AutoDeployDeps {
  config: FerryConfig;
  requests: Pick<DeployRequests, 'request'>;
  /** A push takes its places in line (one per env it deploys to) when it is received. */
  arrivals: ArrivalOrder;
  /** Posts a line in the feed channel (a push that was not deployed). */
  postFeed: (text: string) => Promise<void>;
  /**
   * Records the push as the env's newest (by GitHub's `pushed_at`) unless a later one was seen:
   * false for a push that reached Ferry after a newer one (another replica, a redelivery).
   */
  newest?: (app: string, env: string, pushedAt: number) => Promise<boolean>;
}

/**
 * `auto_deploy:`: a push to an env's branch of the app's GitHub repository deploys the pushed head
 * SHA there, through the normal path (DeployRequests.request, as a push order): freezes hold it,
 * windows queue it, a lock refuses it (said in the feed), a newer push replaces it while queued.
 */
export class AutoDeploys {
  /** Pushes are handled one at a time, in the order they arrived, so a newer push's deploy is accepted after (and replaces) an older one's. */
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly d: AutoDeployDeps) {}

  /** Deploys the push to every env that follows its branch; `delivery` (X-GitHub-Delivery) makes it safe to repeat. */
  push(push: Push, delivery: string, log: Logger): Promise<number[]> {
    const targets = autoDeployTargets(this.d.config, push).map((t) => ({ ...t, place: this.d.arrivals.arrive(lineOf(t.app, t.env)) }));
    const turn = this.chain.then(() => this.handle(push, targets, delivery, log));
    this.chain = turn.catch(() => {});
    return turn.finally(() => {
      for (const t of targets) t.place.leave();
    });
  }

  private async handle(
    push: Push,
    targets: { app: string; env: string; place: Place }[],
    delivery: string,
    log: Logger,
  ): Promise<number[]> {
    if (targets.length === 0) {
      log.info({ repo: push.repo, branch: push.branch, deleted: push.deleted }, 'push deploys nowhere');
      return [];
    }
    const user = pushUser(this.d.config.people, push);
    const ids: number[] = [];
    for (const { app, env, place } of targets) {
      if (push.pushedAt !== undefined && this.d.newest && !(await this.d.newest(app, env, push.pushedAt))) {
        log.info({ app, env, sha: push.after }, 'push not deployed: a newer push to the branch came first');
        place.leave();
        continue;
      }
      const answer = await this.d.requests.request(
        {
          kind: 'push',
          app,
          env,
          ref: push.branch!,
          sha: push.after,
          user,
          push: { by: push.login, from: push.before, commits: push.commits },
        },
        `github:${delivery}:${app}:${env}`,
        place,
      );
      if (answer.deployId !== undefined) {
        log.info({ app, env, deployId: answer.deployId, sha: push.after }, 'push deploy accepted');
        ids.push(answer.deployId);
      } else {
        log.info({ app, env, sha: push.after }, 'push not deployed');
        await this.d.postFeed(pushNotDeployedText(push, app, env, answer.refused ?? answer.text));
      }
    }
    return ids;
  }
}
