import { envOf } from '../core/review/env';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import { FERRY_USER, smokeFreezeReason, smokeRollbackKey } from '../core/promotion';
import type { DeployStore } from '../store/deploys';
import type { FreezeService } from './freezes';
import type { RollbackService } from './rollback';

export interface SmokeFailureDeps {
  config: FerryConfig;
  deploys: Pick<DeployStore, 'claim' | 'settle' | 'get' | 'acceptedAs' | 'history'>;
  freezes: Pick<FreezeService, 'freezeFor'>;
  rollbacks: Pick<RollbackService, 'rollback'>;
  postFeed: (text: string) => Promise<void>;
  log: Logger;
  now: () => number;
}

const isFinished = (d: Deploy): boolean => d.status === 'succeeded' || d.status === 'failed' || d.status === 'cancelled';

/**
 * `on_smoke_failure:` what Ferry does when a deploy's smoke check failed, each once per deploy:
 * - rollback: queues `/rollback <app> <env>` (the newest deploy that succeeded there) as the
 *   failed deploy's requester, locking the env for them as a rollback does;
 * - freeze: freezes the env (by Ferry, lifted with `/unfreeze`). With a rollback too, the freeze
 *   comes once the rollback has ended (a freeze would hold the rollback itself), or at once when
 *   no rollback could be queued.
 */
export class SmokeFailures {
  constructor(private readonly d: SmokeFailureDeps) {}

  async deployFinished(dep: Deploy): Promise<void> {
    if (dep.status === 'failed' && dep.smoke === 'failed') await this.failed(dep);
    if (isFinished(dep) && dep.rollbackOf !== undefined) await this.rollbackEnded(dep);
  }

  private async failed(dep: Deploy): Promise<void> {
    const actions = envOf(this.d.config.apps[dep.app], dep.env)?.onSmokeFailure ?? [];
    let rollbackId: number | undefined;
    // A rollback whose own smoke check failed is not rolled back again (that could walk back through the whole history).
    if (actions.includes('rollback') && dep.rollbackOf === undefined) {
      await this.once(dep.id, 'smoke-rollback', async () => {
        // As the failed deploy's requester; the rollback's lock names Ferry and the failed smoke check.
        const answer = await this.d.rollbacks.rollback(
          { app: dep.app, env: dep.env, target: { kind: 'previous' } },
          { kind: 'smoke-rollback', user: dep.user, failedDeploy: dep.id },
          smokeRollbackKey(dep.id),
        );
        if (answer.deployId === undefined)
          await this.d.postFeed(
            `:warning: The smoke check of deploy #${dep.id} failed, and \`${dep.app}\` *${dep.env}* could not be rolled back: ${answer.text}`,
          );
        else
          await this.d.postFeed(
            `:rewind: The smoke check of deploy #${dep.id} failed: rolling \`${dep.app}\` *${dep.env}* back as deploy #${answer.deployId}.`,
          );
      });
      rollbackId = await this.d.deploys.acceptedAs(smokeRollbackKey(dep.id));
    }
    if (!actions.includes('freeze')) return;
    const rollback = rollbackId === undefined ? undefined : await this.d.deploys.get(rollbackId);
    if (rollback && !isFinished(rollback)) return; // frozen when it ends (rollbackEnded)
    await this.freeze(dep);
  }

  /** A rollback ended: if a failed smoke check queued it, the freeze it waited for comes now. */
  private async rollbackEnded(rollback: Deploy): Promise<void> {
    for (const dep of await this.d.deploys.history(rollback.app, rollback.env, 20)) {
      if (dep.id >= rollback.id || dep.smoke !== 'failed' || dep.status !== 'failed') continue;
      if (!envOf(this.d.config.apps[dep.app], dep.env)?.onSmokeFailure.includes('freeze')) return;
      if ((await this.d.deploys.acceptedAs(smokeRollbackKey(dep.id))) === rollback.id) await this.freeze(dep);
      return;
    }
  }

  private freeze(dep: Deploy): Promise<void> {
    return this.once(dep.id, 'smoke-freeze', async () => {
      const reason = smokeFreezeReason(dep.id);
      const line = `:snowflake: \`${dep.app}\` *${dep.env}* frozen by Ferry: the ${reason}. Deploys there wait until someone runs \`/unfreeze ${dep.app} ${dep.env}\`.`;
      const frozen = await this.d.freezes.freezeFor(
        dep.app,
        dep.env,
        { by: FERRY_USER, reason, since: this.d.now(), source: 'manual' },
        `smoke-freeze:${dep.id}`,
        line,
      );
      if (!frozen) this.d.log.warn({ deployId: dep.id }, 'smoke check failed; the env is frozen by something else already');
    });
  }

  private async once(id: number, what: string, fn: () => Promise<void>): Promise<void> {
    if (!(await this.d.deploys.claim(id, what, 120_000))) return;
    try {
      await fn();
      await this.d.deploys.settle(id, what, true);
    } catch (err) {
      await this.d.deploys.settle(id, what, false);
      throw err;
    }
  }
}
