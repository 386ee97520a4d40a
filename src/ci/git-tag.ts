import { githubWebUrl } from '../config/env';
import { fillNames, fillPlaceholders } from '../core/ci/placeholders';
import { logLines } from '../core/ci/run-text';
import { checksView, GITHUB_ACTIONS, type Moved, type SuiteRuns, statusesView, type TagStatus, tagSuites } from '../core/ci/tag-checks';
import {
  type CheckProblem,
  type CiDeploy,
  type CiDriver,
  CiRefused,
  type JobView,
  type Recovered,
  type RunRef,
  type RunView,
} from '../core/ci/types';
import { shaWakeKey } from '../core/ci/wake';
import type { CiConfig } from '../core/config/normalize-ci';
import { statusOf } from '../source/github-failure';
import type { GitHubDriverDeps } from './github-actions';
import { TagRef } from './git-tag-ref';
import { TagSuites } from './git-tag-suites';

type Config = Extract<CiConfig, { driver: 'git_tag' }>;

/**
 * `git_tag:`: moves a tag to the deployed commit through GitHub's git refs API, so the push of the
 * tag starts the team's CI, then follows what that push started: the check suites whose
 * head_branch is the tag, created after the move (follow: checks), the commit statuses posted after
 * it (follow: statuses), or nothing (follow: none). The run is `<tag>@<sha7>`, with the move's time.
 */
export class GitTagDriver implements CiDriver {
  readonly what: string;
  private readonly owner: string;
  private readonly name: string;
  private readonly suites: TagSuites;
  /** A cancel was asked: GitHub Actions suites that show up later are cancelled too. */
  private cancelWanted = false;

  constructor(
    readonly cfg: Config,
    readonly deps: GitHubDriverDeps,
    /** The app's and env's names, so the label reads `deploy-staging`, not `deploy-{env}`. */
    names?: { app: string; env: string },
  ) {
    const tag = names ? fillNames(cfg.name, names) : cfg.name;
    this.what = `the git tag ${tag}`;
    [this.owner, this.name] = deps.repo.split('/') as [string, string];
    this.suites = new TagSuites(deps.github, deps.repo, deps.log);
  }

  async dispatch(d: CiDeploy): Promise<RunRef> {
    const tag = this.tagOf(d);
    // What the commit had before the move (GitHub's ids only grow): what comes after is the push's.
    const afterId = await this.newestId(d.sha);
    const movedAt = await new TagRef(this.deps.github, this.deps.repo, tag, this.deps.log).move(d.sha);
    this.deps.log.info({ tag, sha: d.sha, follow: this.cfg.follow }, 'moved the tag');
    return this.runRef(tag, d.sha, { at: movedAt, ...(afterId !== undefined && { afterId }) });
  }

  /** Moving the tag is idempotent: at the SHA, it was moved (what it started since the claim counts); elsewhere or missing, moving it is safe. */
  async recover(d: CiDeploy, since: number): Promise<Recovered> {
    const tag = this.tagOf(d);
    const at = await new TagRef(this.deps.github, this.deps.repo, tag, this.deps.log).read();
    return at.sha === d.sha ? { run: this.runRef(tag, d.sha, { at: since }) } : { none: true };
  }

  async view(d: CiDeploy, run: RunRef): Promise<RunView> {
    const { tag, moved } = this.moved(d, run);
    if (this.cfg.follow === 'none')
      return { phase: 'ended', outcome: 'succeeded', conclusion: 'tag moved', text: `tag ${tag} moved to ${d.sha.slice(0, 7)}`, jobs: [] };
    if (this.cfg.follow === 'statuses') return statusesView(await this.statuses(d.sha), this.cfg.checks, moved);
    const found = await this.found(d.sha, tag, moved);
    // A cancel asked before the push's Actions runs showed up reaches them now (a failure is noted, not fatal).
    if (this.cancelWanted)
      await this.cancelSuites(found).catch((err: Error) =>
        this.deps.log.warn({ err: err.message }, 'could not cancel a GitHub Actions run'),
      );
    return checksView(found, this.cfg.checks, tag);
  }

  async jobLog(d: CiDeploy, _run: RunRef, job: JobView): Promise<string[]> {
    if (job.id.startsWith('status:')) return this.statusLog(d, job);
    const run = await this.suites.checkRun(Number(job.id));
    const out = run.output ?? {};
    const lines = [out.title, out.summary, out.text].filter((x): x is string => !!x?.trim()).flatMap((t) => logLines(t));
    if (run.app?.slug !== GITHUB_ACTIONS) return lines.length ? lines : [`(${job.name} left no output; see ${run.html_url ?? 'GitHub'})`];
    try {
      return [...lines, ...(await this.suites.jobLog(Number(job.id)))];
    } catch (err) {
      return [...lines, `couldn't fetch the job log of ${job.name}: ${(err as Error).message}`];
    }
  }

  async cancel(d: CiDeploy, run: RunRef): Promise<{ asked: true } | { cannot: string }> {
    if (this.cfg.follow !== 'checks')
      return {
        cannot: `Ferry can only cancel GitHub Actions runs; the CI posting ${this.cfg.follow === 'statuses' ? 'commit statuses' : 'for the tag'} goes on`,
      };
    this.cancelWanted = true;
    const { tag, moved } = this.moved(d, run);
    const found = await this.found(d.sha, tag, moved);
    const others = [...new Set(found.filter((f) => !isActions(f) && f.suite.status !== 'completed').map(appName))];
    const asked = await this.cancelSuites(found);
    if (others.length) return { cannot: `Ferry can only cancel GitHub Actions runs; ${others.join(', ')} goes on` };
    if (asked) return { asked: true };
    if (!found.length)
      return {
        cannot: `the push of tag ${tag} has started no GitHub Actions run yet (one that shows up while Ferry follows is cancelled)`,
      };
    return { cannot: `the runs the push of tag ${tag} started have ended already` };
  }

  async check(): Promise<CheckProblem[]> {
    let repo: { permissions?: { push?: boolean } };
    try {
      repo = (await this.deps.github.request('GET /repos/{owner}/{repo}', { owner: this.owner, repo: this.name, request: { retries: 0 } }))
        .data as typeof repo;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404)
        return [
          {
            key: '',
            message: `GitHub can't show ${this.deps.repo} to Ferry's token (404): check the app's repo:, and give the token or App contents: write on it`,
          },
        ];
      if (status === 401 || status === 403)
        return [
          {
            key: '',
            message: `GitHub refused to show ${this.deps.repo} (HTTP ${status}): give Ferry's token or App contents: write on it`,
          },
        ];
      return [{ key: 'name', warning: true, message: `could not ask GitHub about ${this.deps.repo}: ${(err as Error).message}` }];
    }
    if (repo.permissions?.push === false)
      return [
        {
          key: 'name',
          message: `Ferry's token may not push to ${this.deps.repo}, so it can't move the tag ${this.cfg.name}: give the token or App contents: write`,
        },
      ];
    return [];
  }

  wakeKeys(d: CiDeploy): string[] {
    return [shaWakeKey(this.deps.repo, d.sha)];
  }

  private tagOf(d: CiDeploy): string {
    return fillPlaceholders(this.cfg.name, d);
  }

  private runRef(tag: string, sha: string, moved: Moved): RunRef {
    const web = githubWebUrl(String(this.deps.github.request.endpoint.DEFAULTS.baseUrl));
    return {
      id: `${tag}@${sha.slice(0, 7)}`,
      url: `${web}/${this.deps.repo}/releases/tag/${encodeURIComponent(tag)}`,
      data: { movedAt: String(moved.at), sha, tag, ...(moved.afterId !== undefined && { afterId: String(moved.afterId) }) },
    };
  }

  /** The tag and when it moved, from the run's record (a record without them: the tag as configured, any time). */
  private moved(d: CiDeploy, run: RunRef): { tag: string; moved: Moved } {
    const at = Number(run.data?.movedAt);
    const afterId = run.data?.afterId === undefined ? Number.NaN : Number(run.data.afterId);
    return {
      tag: run.data?.tag ?? this.tagOf(d),
      moved: { at: Number.isFinite(at) ? at : 0, ...(Number.isSafeInteger(afterId) && { afterId }) },
    };
  }

  /** The highest check suite (follow: checks) or status (statuses) id the commit has now; undefined: none, or not followed. */
  private async newestId(sha: string): Promise<number | undefined> {
    if (this.cfg.follow === 'none') return undefined;
    try {
      const ids =
        this.cfg.follow === 'checks'
          ? (await this.suites.ofCommit(sha)).map((s) => s.id)
          : (await this.statuses(sha)).map((s) => s.id ?? 0);
      return Math.max(0, ...ids);
    } catch (err) {
      if (err instanceof CiRefused) throw err;
      // Not known: the move's time alone tells what came after it.
      this.deps.log.warn({ err: (err as Error).message }, "could not list the commit's checks before moving the tag");
      return undefined;
    }
  }

  /** The tag push's suites, each with its check runs. */
  private async found(sha: string, tag: string, moved: Moved): Promise<SuiteRuns[]> {
    const suites = tagSuites(await this.suites.ofCommit(sha), tag, moved);
    return Promise.all(suites.map(async (suite) => ({ suite, runs: await this.suites.runsOf(suite.id) })));
  }

  /** Asks GitHub Actions to cancel the workflow run of each unfinished Actions suite (once each); true when any was asked (now or before). */
  private async cancelSuites(found: readonly SuiteRuns[]): Promise<boolean> {
    let asked = false;
    for (const f of found) if (isActions(f) && f.suite.status !== 'completed' && (await this.suites.cancel(f.suite.id))) asked = true;
    return asked;
  }

  private async statuses(sha: string): Promise<TagStatus[]> {
    return this.suites.statusesOf(sha);
  }

  /** A commit status has no log: its state, description and link. */
  private async statusLog(d: CiDeploy, job: JobView): Promise<string[]> {
    const s = (await this.statuses(d.sha)).find((x) => `status:${x.context}` === job.id);
    return [
      `${job.name}: ${s?.state ?? job.conclusion ?? 'ended'}${s?.description ? ` — ${s.description}` : ''}`,
      ...(s?.target_url ? [s.target_url] : []),
    ];
  }
}

const isActions = (f: SuiteRuns): boolean => f.suite.app?.slug === GITHUB_ACTIONS;
const appName = (f: SuiteRuns): string => f.suite.app?.name ?? f.suite.app?.slug ?? 'its app';
