import type { JobView, RunView } from './types';

/**
 * CircleCI's answers (API v2 pipeline, its workflows and their jobs; API v1.1 step output) made
 * into what the follower reads: a RunView, a job's log lines. Pure: the answers are outside input,
 * so every field is checked before it is used.
 */

export interface ApiPipeline {
  id: string;
  number?: number;
  state?: string;
  errors?: { type?: string; message?: string }[];
}
export interface ApiWorkflow {
  id: string;
  name: string;
  status: string;
}
export interface ApiJob {
  id?: string;
  name: string;
  status: string;
  job_number?: number;
  type?: string;
}

/** Workflow statuses after which nothing changes (running, failing and on_hold are not). */
const WORKFLOW_FINAL = new Set(['success', 'failed', 'error', 'canceled', 'unauthorized', 'not_run']);
/** Job statuses after which nothing changes. */
const JOB_FINAL = new Set([
  'success',
  'failed',
  'canceled',
  'not_run',
  'retried',
  'infrastructure_fail',
  'timedout',
  'terminated-unknown',
  'unauthorized',
]);

export const workflowEnded = (status: string): boolean => WORKFLOW_FINAL.has(status);

/** The pipeline's page in CircleCI's app: gh/acme/web and 12 -> https://app.circleci.com/pipelines/github/acme/web/12. */
export function pipelineUrl(project: string, num: number | undefined): string {
  const [vcs, org, repo] = project.split('/') as [string, string, string];
  const base = `https://app.circleci.com/pipelines/${vcsName(vcs)}/${org}/${repo}`;
  return num === undefined ? base : `${base}/${num}`;
}

/** gh -> github, bb -> bitbucket (API v1.1 and the app's links spell them out). */
export function vcsName(vcs: string): string {
  return vcs === 'gh' ? 'github' : vcs === 'bb' ? 'bitbucket' : vcs;
}

/** A job as the follower sees it: its number (its log is fetched by number), "workflow/job". */
export function jobView(workflow: ApiWorkflow, j: ApiJob): JobView {
  const ended = JOB_FINAL.has(j.status);
  return {
    id: typeof j.job_number === 'number' ? String(j.job_number) : `${workflow.id}/${j.id ?? j.name}`,
    name: `${workflow.name}/${j.name}`,
    ended,
    ...(ended && { conclusion: j.status }),
  };
}

/** The pipeline's errors in one line ("config: Unknown job deploy"). */
function errorsText(p: ApiPipeline): string {
  const errs = (Array.isArray(p.errors) ? p.errors : []).map((e) =>
    [e?.type, e?.message].filter((s) => typeof s === 'string' && s).join(': '),
  );
  return errs.filter(Boolean).join('; ') || 'no message';
}

/** How the run stands: the pipeline, its workflows and (per workflow id) their jobs. */
export function circleRunView(p: ApiPipeline, workflows: ApiWorkflow[], jobs: Map<string, ApiJob[]>, url: string): RunView {
  if (p.state === 'errored') {
    const why = errorsText(p);
    return { phase: 'ended', outcome: 'failed', conclusion: `errored (${why})`, text: `errored: ${why}`, url, jobs: [] };
  }
  const views = workflows.flatMap((w) => (jobs.get(w.id) ?? []).map((j) => jobView(w, j)));
  if (!workflows.length) {
    const state = p.state && p.state !== 'created' ? `pipeline ${p.state}` : 'pipeline created';
    return { phase: 'waiting', text: `${state}, no workflow yet`, url, jobs: [] };
  }
  const text = `${workflows.map(workflowWords).join(', ')}${jobsPart(workflows, jobs)}`;
  if (!workflows.every((w) => workflowEnded(w.status))) return { phase: 'running', text, url, jobs: views };
  return { phase: 'ended', ...ending(workflows), text, url, jobs: views };
}

/** "deploy on hold (waiting for approval in CircleCI)", "build success". */
function workflowWords(w: ApiWorkflow): string {
  if (w.status === 'on_hold') return `${w.name} on hold (waiting for approval in CircleCI)`;
  return `${w.name} ${w.status.replace(/_/g, ' ')}`;
}

/** ": build ✓, deploy running, hold waiting for approval" (at most 8 jobs shown). */
function jobsPart(workflows: ApiWorkflow[], jobs: Map<string, ApiJob[]>): string {
  const all = workflows.flatMap((w) => (jobs.get(w.id) ?? []).map((j) => ({ w, j })));
  if (!all.length) return '';
  const word = ({ w, j }: { w: ApiWorkflow; j: ApiJob }) => {
    const name = workflows.length > 1 ? `${w.name}/${j.name}` : j.name;
    if (j.status === 'success') return `${name} ✓`;
    if (j.status === 'on_hold') return `${name} waiting for approval`;
    return `${name} ${j.status.replace(/_/g, ' ')}`;
  };
  const shown = all.slice(0, 8).map(word);
  return `: ${shown.join(', ')}${all.length > 8 ? `, +${all.length - 8} more` : ''}`;
}

/** Every workflow ended: succeeded only if all succeeded; any failed -> failed; else canceled -> cancelled. */
function ending(workflows: ApiWorkflow[]): Pick<RunView, 'outcome' | 'conclusion'> {
  const bad = workflows.filter((w) => w.status !== 'success');
  if (!bad.length) return { outcome: 'succeeded', conclusion: 'success' };
  const failed = bad.filter((w) => w.status !== 'canceled');
  const worst = failed[0] ?? bad[0]!;
  const which = workflows.length > 1 ? ` (workflow ${worst.name})` : '';
  return { outcome: failed.length ? 'failed' : 'cancelled', conclusion: `${worst.status}${which}` };
}

/** One step action's output (API v1.1 output_url: [{message, time, type}]) as lines. */
export function stepOutputText(body: unknown): string {
  if (!Array.isArray(body)) return '';
  return body
    .map((m) =>
      m && typeof m === 'object' && typeof (m as { message?: unknown }).message === 'string' ? (m as { message: string }).message : '',
    )
    .join('');
}
