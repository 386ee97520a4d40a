import { childBaseEnv, type FerryEnv } from '../config/env';
import type { EnvConfig, FerryConfig } from '../config/types';
import { cancelledWhileRunningReason } from '../core/cancel';
import type { Deploy } from '../core/deploy';
import { formatDuration } from '../core/duration';
import type { Redactor } from '../core/redact';
import type { CancelAsked } from '../store/cancel';
import type { DeployOutcome } from '../store/deploys';
import type { DeployCancel } from './cancel-watch';
import type { LogBuffer } from './log-buffer';
import { type CommandResult, runCommand } from './run-command';
import { SMOKE_MARKER, smokeEnv, smokeOutcome } from './smoke';
import type { CommandSupervisor } from './supervisor';

export interface ExecuteDeps {
  config: FerryConfig;
  env: FerryEnv;
  supervisor: CommandSupervisor;
  redact: Redactor;
  /** Between SIGTERM and SIGKILL when a command is stopped. */
  graceMs: number;
  now: () => number;
  /** The requester's Slack name (UserNames.nameOf), for FERRY_USER_NAME; without it that is the member ID. */
  nameOf?: (userId: string) => Promise<string | undefined>;
}

/** A deploy's checkout: its folder, or why there is none (said in the deploy's failure). */
export type Tree = { sha: string; dir: string; error?: undefined } | { sha?: string; dir?: undefined; error: string };

/** One started deploy, as execute() needs it. */
export interface Execution {
  deploy: Deploy;
  envCfg: EnvConfig;
  out: LogBuffer;
  /** Stops the command: a lost lease, a shutdown, a cancel. */
  signal: AbortSignal;
  cancel?: DeployCancel;
  /** The deploy's checkout (see run-deploy.ts prepareTree), or why there is none. */
  tree: Tree;
}

/**
 * Runs the env's command in the deploy's checkout, then its smoke check if it has one, and says
 * how it ended.
 */
export async function execute(x: Execution, d: ExecuteDeps): Promise<DeployOutcome> {
  const { deploy: dep, envCfg, out } = x;
  if (x.tree.error !== undefined) return { status: 'failed', error: x.tree.error };
  const dir = x.tree.dir;
  // A cancel stops the command as a timeout does (SIGTERM to its group, SIGKILL after graceMs);
  // the outcome is recorded as cancelled, not failed.
  const cancelled = (req: CancelAsked, exitCode?: number): DeployOutcome => {
    const ranMs = Math.max(0, d.now() - (dep.startedAt ?? dep.createdAt));
    out.say(`cancelled by ${req.by} after ${formatDuration(ranMs)}; ${exitCode === undefined ? 'the command was not started' : 'stopped'}`);
    return { status: 'cancelled', ...(exitCode !== undefined && { exitCode }), error: cancelledWhileRunningReason(req.by, ranMs) };
  };
  const early = x.cancel?.request();
  if (early) return cancelled(early);
  const env = commandEnv(dep, envCfg, d.env, (await d.nameOf?.(dep.user).catch(() => undefined)) ?? dep.user);
  const run = (argv: string[], vars: Record<string, string>, timeoutMs: number): Promise<CommandResult> => {
    out.say(`running ${argv.join(' ')}`);
    return runCommand(d.supervisor, { argv, cwd: dir, env: vars, timeoutMs, graceMs: d.graceMs, signal: x.signal, onLines: out.lines });
  };
  const r = await run(envCfg.deploy, env, envCfg.timeoutMs);
  if (r.timedOut) {
    out.say(`timed out after ${formatDuration(envCfg.timeoutMs)}; stopped`);
    return { status: 'failed', exitCode: r.exitCode, error: `timed out after ${formatDuration(envCfg.timeoutMs)} (the env's timeout)` };
  }
  const req = x.cancel?.request();
  if (req && r.stoppedBecause !== undefined && r.stoppedBecause === String(x.cancel!.signal.reason)) return cancelled(req, r.exitCode);
  if (r.stoppedBecause) {
    out.say(`stopped: ${r.stoppedBecause}`);
    return { status: 'failed', exitCode: r.exitCode, error: `stopped: ${r.stoppedBecause}` };
  }
  out.say(`exited with ${r.exitCode}`);
  if (r.exitCode !== 0) return { status: 'failed', exitCode: r.exitCode, error: `the deploy command exited with ${r.exitCode}` };
  if (!envCfg.smoke) return { status: 'succeeded', exitCode: 0 };
  // The smoke check (src/worker/smoke.ts): same checkout, same variables plus FERRY_URL and
  // FERRY_PHASE=smoke, output in the same log after a marker. Whatever it says, the new code is
  // installed now (FINISH records it as what runs on the env).
  out.raw(SMOKE_MARKER);
  const s = await run(envCfg.smoke, smokeEnv(env, envCfg.url), envCfg.smokeTimeoutMs);
  const outcome = smokeOutcome(s, envCfg.smokeTimeoutMs);
  out.say(
    outcome.status === 'succeeded'
      ? 'smoke check passed'
      : s.timedOut
        ? `smoke check timed out after ${formatDuration(envCfg.smokeTimeoutMs)}; stopped`
        : `smoke check failed (exit ${s.exitCode})`,
  );
  return outcome;
}

/** The deploy command's environment: the pass-through variables and the deploy's FERRY_* ones, nothing else. */
function commandEnv(dep: Deploy, envCfg: EnvConfig, ferryEnv: FerryEnv, userName: string): Record<string, string> {
  return {
    ...childBaseEnv(ferryEnv.processEnv, envCfg.passEnv),
    FERRY_APP: dep.app,
    FERRY_ENV: dep.env,
    FERRY_REF: dep.ref,
    FERRY_SHA: dep.sha,
    FERRY_PREVIOUS_SHA: dep.previousSha ?? '',
    FERRY_DEPLOY_ID: String(dep.id),
    FERRY_USER: dep.user,
    FERRY_USER_NAME: userName,
  };
}
