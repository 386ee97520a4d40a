import type { Logger } from 'pino';
import type { CiDriver } from '../core/ci/types';
import type { AppConfig, EnvConfig } from '../core/config/types';
import type { Deploy } from '../core/deploy';
import type { Redactor } from '../core/redact';
import { escapeMrkdwn } from '../core/slack-format';
import type { DeployEventSink } from '../events/deploy-events';
import { ciDeploy } from '../ci/drivers';
import type { CiRuns, CiTurn } from '../store/ci-runs';
import type { DeployOutcome } from '../store/deploys';
import type { DeployCancel } from './cancel-watch';
import type { CiWake } from './ci-wake';
import { type CommandDeps, smokeOnly, type Tree } from './execute-deploy';
import { followRun } from './follow-run';
import type { LogBuffer } from './log-buffer';

/** What deploying through an env's CI needs (envs with github_actions:, circleci:, git_tag:, github_deployment:). */
export interface CiDeps {
  runs: CiRuns;
  /** Webhooks about runs wake their followers (absent: they poll only). */
  wake?: CiWake;
  /** The env's driver (src/ci/drivers.ts); throws when it can't be made (no GitHub client). */
  driverFor(app: AppConfig, env: EnvConfig): CiDriver | undefined;
}

/** One started deploy of a CI-driven env. */
export interface CiExecution {
  deploy: Deploy;
  app: AppConfig;
  envCfg: EnvConfig;
  turn: CiTurn;
  out: LogBuffer;
  /** Stops following (lease lost, shutdown, the worker stopping): the run goes on, the next worker follows it. */
  stop: AbortSignal;
  /** Lease lost or shutdown grace over only (a run just dispatched is recorded until then). */
  hardStop: AbortSignal;
  /** Stops the smoke check (as a command's signal: lease lost, shutdown grace over, a cancel). */
  smokeSignal: AbortSignal;
  cancel?: DeployCancel;
  /** The checkout, for the smoke check (only envs with smoke: get one). */
  tree?: Tree;
}

/**
 * Deploys through the env's CI (src/worker/follow-run.ts), then runs the env's smoke check, if it
 * has one, in the deploy's checkout.
 */
export async function deployThroughCi(
  x: CiExecution,
  d: CommandDeps & { ci: CiDeps; events: DeployEventSink; log: Logger; workerName: string; redact: Redactor },
): Promise<DeployOutcome> {
  let driver: CiDriver | undefined;
  try {
    driver = d.ci.driverFor(x.app, x.envCfg);
  } catch (err) {
    return { status: 'failed', error: escapeMrkdwn((err as Error).message) };
  }
  if (!driver) return { status: 'failed', error: 'its env has no CI driver any more; deploy again' };
  const outcome = await followRun(
    {
      deploy: x.deploy,
      turn: x.turn,
      driver,
      driverName: x.envCfg.ci!.driver,
      cd: ciDeploy(x.deploy, x.app),
      timeoutMs: x.envCfg.timeoutMs,
      out: x.out,
      stop: x.stop,
      hardStop: x.hardStop,
      ...(x.cancel && { cancel: x.cancel }),
    },
    {
      ci: d.ci.runs,
      ...(d.ci.wake && { wake: d.ci.wake }),
      events: d.events,
      log: d.log,
      now: d.now,
      workerName: d.workerName,
      redact: d.redact,
    },
  );
  if (outcome.status !== 'succeeded' || !x.envCfg.smoke) return outcome;
  const tree = x.tree ?? { error: 'nothing to check out' };
  return smokeOnly(
    { deploy: x.deploy, envCfg: x.envCfg, out: x.out, signal: x.smokeSignal, tree, ...(x.cancel && { cancel: x.cancel }) },
    x.envCfg.smoke,
    d,
  );
}
