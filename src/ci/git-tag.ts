import type { CheckProblem, CiDeploy, CiDriver, JobView, Recovered, RunRef, RunView } from '../core/ci/types';
import type { CiConfig } from '../core/config/normalize-ci';
import type { GitHubDriverDeps } from './github-actions';

type Config = Extract<CiConfig, { driver: 'git_tag' }>;

/** STUB (issue 18): to be written. */
export class GitTagDriver implements CiDriver {
  readonly what: string;
  constructor(
    readonly cfg: Config,
    readonly deps: GitHubDriverDeps,
  ) {
    this.what = 'git_tag';
  }
  dispatch(_d: CiDeploy): Promise<RunRef> {
    throw new Error('not implemented');
  }
  recover(_d: CiDeploy, _since: number): Promise<Recovered> {
    throw new Error('not implemented');
  }
  view(_d: CiDeploy, _run: RunRef): Promise<RunView> {
    throw new Error('not implemented');
  }
  jobLog(_d: CiDeploy, _run: RunRef, _job: JobView): Promise<string[]> {
    throw new Error('not implemented');
  }
  cancel(_d: CiDeploy, _run: RunRef): Promise<{ asked: true } | { cannot: string }> {
    throw new Error('not implemented');
  }
  check(): Promise<CheckProblem[]> {
    throw new Error('not implemented');
  }
  wakeKeys(_d: CiDeploy, _run: RunRef): string[] {
    return [];
  }
}
