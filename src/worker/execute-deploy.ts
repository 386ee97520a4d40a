import { childBaseEnv, type FerryEnv } from '../config/env';
import type { EnvConfig } from '../core/config/types';
import { cancelledWhileRunningReason } from '../core/cancel';
import type { Deploy, ReviewRun } from '../core/deploy';
import { reviewPr } from '../core/review/env';
import { formatDuration } from '../core/duration';
import type { CancelAsked } from '../store/cancel';
import type { DeployOutcome } from '../store/deploys';
import type { DeployCancel } from './cancel-watch';
import type { LogBuffer } from './log-buffer';
import { type CommandResult, runCommand } from './run-command';
import { SMOKE_MARKER, smokeEnv, smokeOutcome } from './smoke';
import type { CommandSupervisor } from './supervisor';

/** What running a deploy's commands needs. */
export interface CommandDeps {
  env: FerryEnv;
  supervisor: CommandSupervisor;
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
  /** The command to run: the env's `deploy:`, or a review app's teardown. */
  argv: string[];
  out: LogBuffer;
  /** Stops the command: a lost lease, a shutdown, a cancel. */
  signal: AbortSignal;
  cancel?: DeployCancel;
  /** The deploy's checkout (see run-deploy.ts prepareTree), or why there is none. */
  tree: Tree;
}

/** One deploy's commands: where they run, with which variables. */
interface Commands {
  x: Execution;
  dir: string;
  vars: Record<string, string>;
  d: CommandDeps;
}

/**
 * Runs the env's command in the deploy's checkout, then its smoke check if it has one, and says
 * how it ended.
 */
export async function execute(x: Execution, d: CommandDeps): Promise<DeployOutcome> {
  if (x.tree.error !== undefined) return { status: 'failed', error: x.tree.error };
  const early = x.cancel?.request();
  if (early) return cancelled(x, d, early);
  const c: Commands = {
    x,
    dir: x.tree.dir,
    vars: commandEnv(x.deploy, x.envCfg, d.env, (await d.nameOf?.(x.deploy.user).catch(() => undefined)) ?? x.deploy.user),
    d,
  };
  const r = await run(c, x.argv, c.vars, x.envCfg.timeoutMs);
  const ended = deployEnded(c, r);
  if (ended) return ended;
  return x.envCfg.smoke ? smokeCheck(c, x.envCfg.smoke) : { status: 'succeeded', exitCode: 0 };
}

/**
 * The smoke check alone, after a deploy through the env's CI succeeded: in the deploy's checkout,
 * with the same variables a command would get.
 */
export async function smokeOnly(x: Omit<Execution, 'argv'>, smoke: string[], d: CommandDeps): Promise<DeployOutcome> {
  if (x.tree.error !== undefined) return { status: 'failed', smoke: 'stopped', error: `its smoke check could not run: ${x.tree.error}` };
  const user = (await d.nameOf?.(x.deploy.user).catch(() => undefined)) ?? x.deploy.user;
  const c: Commands = { x: { ...x, argv: [] }, dir: x.tree.dir, vars: commandEnv(x.deploy, x.envCfg, d.env, user), d };
  return smokeCheck(c, smoke);
}

function run(c: Commands, argv: string[], vars: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
  c.x.out.say(`running ${argv.join(' ')}`);
  return runCommand(c.d.supervisor, {
    argv,
    cwd: c.dir,
    env: vars,
    timeoutMs,
    graceMs: c.d.graceMs,
    signal: c.x.signal,
    onLines: c.x.out.lines,
  });
}

/** How the deploy command ended, unless it exited with 0 (undefined: the smoke check, if any, is next). */
function deployEnded(c: Commands, r: CommandResult): DeployOutcome | undefined {
  const { x } = c;
  const timeoutMs = x.envCfg.timeoutMs;
  if (r.timedOut) {
    x.out.say(`timed out after ${formatDuration(timeoutMs)}; stopped`);
    return { status: 'failed', exitCode: r.exitCode, error: `timed out after ${formatDuration(timeoutMs)} (the env's timeout)` };
  }
  const req = x.cancel?.request();
  if (req && r.stoppedBecause !== undefined && r.stoppedBecause === String(x.cancel!.signal.reason))
    return cancelled(x, c.d, req, r.exitCode);
  if (r.stoppedBecause) {
    x.out.say(`stopped: ${r.stoppedBecause}`);
    return { status: 'failed', exitCode: r.exitCode, error: `stopped: ${r.stoppedBecause}` };
  }
  x.out.say(`exited with ${r.exitCode}`);
  if (r.exitCode !== 0) return { status: 'failed', exitCode: r.exitCode, error: `the deploy command exited with ${r.exitCode}` };
  return undefined;
}

/**
 * The smoke check (src/worker/smoke.ts): same checkout, same variables plus FERRY_URL and
 * FERRY_PHASE=smoke, output in the same log after a marker. Whatever it says, the new code is
 * installed now (FINISH records it as what runs on the env).
 */
async function smokeCheck(c: Commands, argv: string[]): Promise<DeployOutcome> {
  const { out, envCfg } = c.x;
  out.raw(SMOKE_MARKER);
  const s = await run(c, argv, smokeEnv(c.vars, envCfg.url), envCfg.smokeTimeoutMs);
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

/**
 * A cancel stops the command as a timeout does (SIGTERM to its group, SIGKILL after graceMs); the
 * outcome is recorded as cancelled, not failed.
 */
function cancelled(x: Execution, d: Pick<CommandDeps, 'now'>, req: CancelAsked, exitCode?: number): DeployOutcome {
  const ranMs = Math.max(0, d.now() - (x.deploy.startedAt ?? x.deploy.createdAt));
  x.out.say(`cancelled by ${req.by} after ${formatDuration(ranMs)}; ${exitCode === undefined ? 'the command was not started' : 'stopped'}`);
  return { status: 'cancelled', ...(exitCode !== undefined && { exitCode }), error: cancelledWhileRunningReason(req.by, ranMs) };
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
    ...(dep.review && reviewVars(dep, dep.review, envCfg)),
  };
}

/** A review app's deploy or teardown also gets its pull request's number and branch, and the app's URL. */
function reviewVars(dep: Deploy, review: ReviewRun, envCfg: EnvConfig): Record<string, string> {
  return {
    FERRY_PR_NUMBER: String(reviewPr(dep.env) ?? ''),
    FERRY_PR_BRANCH: review.branch,
    FERRY_REVIEW_URL: envCfg.url ?? '',
    FERRY_REVIEW_ACTION: review.action,
  };
}
