/**
 * Deploying through a CI the team already has (`github_actions:`, `circleci:`, `git_tag:`,
 * `github_deployment:` on an env): what a driver is asked to do and what it answers. Types only;
 * the drivers (src/ci/) are adapters over each CI's REST API, and src/worker/follow-run.ts drives
 * one through a deploy: dispatch once, follow the run to its end, fetch its jobs' logs, cancel it.
 */

/** The drivers, by the key that chooses one in ferry.yml. */
export const CI_DRIVERS = ['github_actions', 'circleci', 'git_tag', 'github_deployment'] as const;
export type CiDriverName = (typeof CI_DRIVERS)[number];

/** The deploy as a driver sees it: what to dispatch, and the placeholders' values. */
export interface CiDeploy {
  id: number;
  app: string;
  env: string;
  sha: string;
  ref: string;
  /** The requester's Slack user ID ({user}). */
  user: string;
  /** The app's GitHub repository (owner/name), for the drivers that use GitHub. */
  repo?: string;
}

/**
 * The run a dispatch started, as the deploy's record keeps it: enough for any worker to follow it
 * on after the one that dispatched it died. `id` is the CI's own (a workflow run id, a pipeline id,
 * a deployment id); `data` holds what else the driver needs (strings only).
 */
export interface RunRef {
  id: string;
  /** Where a person sees the run (the feed message links it). */
  url?: string;
  data?: Record<string, string>;
}

/** One job (or check run, or step group) of a run: its logs are fetched once it has ended. */
export interface JobView {
  id: string;
  name: string;
  ended: boolean;
  /** The CI's own word for how it ended (success, failure, cancelled...). */
  conclusion?: string;
}

/** How a run stands, read from the CI. */
export interface RunView {
  /** waiting: dispatched, not started (queued, or nothing reported yet); running; ended. */
  phase: 'waiting' | 'running' | 'ended';
  /** Once ended: what the deploy's status becomes. */
  outcome?: 'succeeded' | 'failed' | 'cancelled';
  /** Once ended: the CI's own word (success, failure, cancelled, timed_out...), said in the deploy's error. */
  conclusion?: string;
  /** One line for the feed, in plain words ("in progress: build ✓, deploy running"); outside text, not escaped yet. */
  text: string;
  /** Where a person sees the run (may become known only once it started, e.g. a CD system's log_url). */
  url?: string;
  jobs: JobView[];
}

/** What a driver answers when asked whether a dispatch that may have been sent started a run. */
export type Recovered = { run: RunRef } | { none: true } | { unknown: string };

/**
 * One env's way to CI. Every call may throw CiRefused (the CI said no, with what to fix) or any
 * other error (a transient failure: the follower tries again with backoff).
 */
export interface CiDriver {
  /** What a deploy waits for, in words: "the GitHub Actions workflow deploy.yml". */
  readonly what: string;
  /** Starts the run. Called at most once per deploy (the record says when it was). */
  dispatch(d: CiDeploy): Promise<RunRef>;
  /**
   * After a worker died between recording "dispatching" (at `since`) and recording the run: the run
   * that dispatch started, if it can be told for certain; `none` when it certainly started nothing
   * (dispatching again is then safe); `unknown` (with why) otherwise. Never "the newest run".
   */
  recover(d: CiDeploy, since: number): Promise<Recovered>;
  view(d: CiDeploy, run: RunRef): Promise<RunView>;
  /** An ended job's log lines (raw; the follower redacts them). */
  jobLog(d: CiDeploy, run: RunRef, job: JobView): Promise<string[]>;
  /**
   * Asks the CI to stop the run: `asked`, or why it can't (the follower then waits for the run's end).
   * `why` says who or what asked, in plain words, for a CI that can carry it (a deployment status's description).
   */
  cancel(d: CiDeploy, run: RunRef, why?: string): Promise<{ asked: true } | { cannot: string }>;
  /**
   * `ferry check`: what is wrong with the driver's settings as the CI sees them (an unknown
   * workflow, a missing token variable, a project the token can't see), each with the key under
   * the driver (`workflow`, `token_env`...) and the fix. `warning`: it could not tell (no answer).
   */
  check(): Promise<CheckProblem[]>;
  /** Keys a webhook about this run carries (see core/ci/wake.ts): a delivery wakes the follower at once. */
  wakeKeys(d: CiDeploy, run: RunRef): string[];
}

/** One problem `ferry check` reports: `key` is the setting under the env's driver key (e.g. `workflow`). */
export interface CheckProblem {
  key: string;
  message: string;
  /** It could not tell (CI unreachable): shown, but the check still passes. */
  warning?: boolean;
}

/** The CI refused what Ferry asked (404 unknown workflow, 422 bad inputs, 401 bad token): the deploy fails with this message, which says what to fix. */
export class CiRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiRefused';
  }
}

/** What the deploy's record keeps of its CI run (written under the env lease: src/store/ci-runs.ts). */
export interface CiRecord {
  /** dispatching: the dispatch may have been sent; dispatched: `run` is the run it started. */
  state: 'dispatching' | 'dispatched';
  /** When the dispatch was claimed (ms). */
  at: number;
  /** The env's driver key when it was claimed (github_actions...). */
  driver?: string;
  run?: RunRef;
  /** The run's state in words, as last seen (the feed shows it). */
  text?: string;
  /** Jobs whose logs are in the deploy's log already. */
  logged: string[];
}
