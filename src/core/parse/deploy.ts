import type { FerryConfig } from '../config/types';
import { dangerousWord, refProblem } from '../ref';
import { isReviewEnv, reviewPr } from '../review/env';
import { typed } from '../slack-format';
import { ROLLBACK_USAGE } from './rollback';
import { type Parse, readTarget, words } from './target';

export const DEPLOY_USAGE = '`/deploy [app] &lt;env&gt; [ref] [override &lt;reason&gt;]`';
export const OVERRIDE_USAGE = '`/deploy [app] &lt;env&gt; [ref] override &lt;reason&gt;`';
export const LOG_USAGE = '`/deploy log &lt;id&gt;`';
export const CANCEL_USAGE = '`/deploy cancel &lt;id&gt;`';
export const REVIEW_DEPLOY_USAGE = '`/deploy [app] pr-&lt;number&gt; [ref]` or `/deploy [app] pr-&lt;number&gt; teardown`';

export interface DeployRequest {
  app: string;
  env: string;
  /** What the person named, or the app's default branch. */
  ref: string;
  /** Start outside the env's deploy window, for this stated reason (needs `permissions.override`). */
  override?: string;
}

/** `/deploy log <id>`: a link to the deploy's log page (`log` is reserved as an app or env name). */
export interface LogRequest {
  kind: 'log';
  id: number;
}

/** `/deploy cancel <id>`: cancel a queued or running deploy (`cancel` is reserved like `log`). */
export interface CancelRequest {
  kind: 'cancel';
  id: number;
}

/**
 * `/deploy [app] pr-42 [ref]`: redeploy the review app of pull request 42 (its head, or `ref`);
 * `/deploy [app] pr-42 teardown`: tear it down (a branch called "teardown" is `refs/heads/teardown`).
 */
export interface ReviewRequest {
  kind: 'review';
  app: string;
  pr: number;
  action: 'deploy' | 'teardown';
  /** What the person named; absent: the pull request's head. */
  ref?: string;
}

export type DeployParse = Parse<DeployRequest> | LogRequest | CancelRequest | ReviewRequest;

/** `/deploy [app] <env> [ref]`, `/deploy log <id>` or `/deploy cancel <id>` */
export function parseDeploy(text: string | undefined, config: FerryConfig): DeployParse {
  const w = words(text, DEPLOY_USAGE);
  if (w.kind !== 'ok') return w;
  const first = w.value[0]!.toLowerCase();
  if (first === 'log') return parseLog(w.value.slice(1));
  if (first === 'cancel') return parseCancel(w.value.slice(1));
  const t = readTarget(w.value, config, DEPLOY_USAGE);
  if (t.kind !== 'ok') return t;
  const { app, env } = t.value;
  if (isReviewEnv(app, env)) return parseReview(app.name, env, t.value.rest);
  let rest = t.value.rest;
  // `override` is a keyword where the ref would be or right after it (a branch called "override"
  // is deployed as `refs/heads/override`).
  const at = rest.findIndex((word, i) => i <= 1 && word.toLowerCase() === 'override');
  // Shell and git-option characters in what would be the ref are named first, before word counts.
  const danger = dangerousWord(at >= 0 ? rest.slice(0, at) : rest);
  if (danger) return { kind: 'error', message: `Can't deploy that ref: ${danger.problem}.` };
  let override: string | undefined;
  if (at >= 0) {
    override = rest.slice(at + 1).join(' ');
    rest = rest.slice(0, at);
    if (!override)
      return {
        kind: 'error',
        message: `An override needs a reason, recorded and shown in the feed, e.g. \`/deploy ${app.name} ${env} ${rest[0] ?? app.defaultBranch} override hotfix for the checkout outage\`. Usage: ${OVERRIDE_USAGE}`,
      };
    if (override.length > MAX_OVERRIDE_REASON)
      return { kind: 'error', message: `That override reason is ${override.length} characters; keep it under ${MAX_OVERRIDE_REASON}.` };
  }
  if (rest.length > 1) {
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: a deploy takes one ref, then optionally \`override &lt;reason&gt;\`. Usage: ${DEPLOY_USAGE}`,
    };
  }
  const ref = rest[0] ?? app.defaultBranch;
  const problem = refProblem(ref);
  if (problem) return { kind: 'error', message: `Can't deploy that ref: ${problem}.` };
  return { kind: 'ok', value: { app: app.name, env, ref, ...(override !== undefined && { override }) } };
}

const MAX_OVERRIDE_REASON = 200;

function parseReview(app: string, env: string, rest: string[]): Parse<never> | ReviewRequest {
  const pr = reviewPr(env)!;
  const danger = dangerousWord(rest);
  if (danger) return { kind: 'error', message: `Can't deploy that ref: ${danger.problem}.` };
  if (rest.some((w) => w.toLowerCase() === 'override'))
    return {
      kind: 'error',
      message: `A review app has no deploy window to override: ${typed(`/deploy ${app} ${env}`)} redeploys it now. Usage: ${REVIEW_DEPLOY_USAGE}`,
    };
  if (rest.length > 1)
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: a review app takes one ref, or \`teardown\`. Usage: ${REVIEW_DEPLOY_USAGE}`,
    };
  const word = rest[0];
  if (word === undefined) return { kind: 'review', app, pr, action: 'deploy' };
  if (word.toLowerCase() === 'teardown') return { kind: 'review', app, pr, action: 'teardown' };
  const problem = refProblem(word);
  if (problem) return { kind: 'error', message: `Can't deploy that ref: ${problem}.` };
  return { kind: 'review', app, pr, action: 'deploy', ref: word };
}

function parseLog(rest: string[]): Parse<never> | LogRequest {
  if (rest.length === 0)
    return {
      kind: 'error',
      message: `Which deploy's log? Usage: ${LOG_USAGE}, e.g. \`/deploy log 42\`; the id is in the deploy's feed message (Deploy #42).`,
    };
  if (rest.length > 1)
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: ${LOG_USAGE} takes one deploy id, e.g. \`/deploy log 42\`.`,
    };
  const id = deployId(rest[0]!);
  if (id < 1)
    return {
      kind: 'error',
      message: `${typed(rest[0]!)} is not a deploy id; use the number from the deploy's feed message (Deploy #42), e.g. \`/deploy log 42\`.`,
    };
  return { kind: 'log', id };
}

function parseCancel(rest: string[]): Parse<never> | CancelRequest {
  if (rest.length === 0)
    return {
      kind: 'error',
      message: `Which deploy should I cancel? Usage: ${CANCEL_USAGE}, e.g. \`/deploy cancel 42\`; the id is in the deploy's feed message (Deploy #42), which also has a Cancel button.`,
    };
  if (rest.length > 1)
    return {
      kind: 'error',
      message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: ${CANCEL_USAGE} takes one deploy id, e.g. \`/deploy cancel 42\`.`,
    };
  const id = deployId(rest[0]!);
  if (id < 1)
    return {
      kind: 'error',
      message: `${typed(rest[0]!)} is not a deploy id; use the number from the deploy's feed message (Deploy #42), e.g. \`/deploy cancel 42\`.`,
    };
  return { kind: 'cancel', id };
}

/** `42` or `#42` as a deploy id; 0 when it is not one. */
function deployId(word: string): number {
  const m = /^#?(\d{1,15})$/.exec(word);
  return m ? Number(m[1]) : 0;
}

export function deployHelp(config: FerryConfig): string {
  const apps = config.appNames.map(
    (a) => `• \`${a}\`: ${config.apps[a]!.envNames.join(', ')} (default ref \`${config.apps[a]!.defaultBranch}\`)`,
  );
  return [
    `*Deploy:* ${DEPLOY_USAGE}`,
    "Queues a deploy of `ref` (a branch, tag or commit; the app's default branch when left out). The ref is pinned to its commit SHA when I accept it, and deploys to one environment run one at a time, in order.",
    config.appNames.length === 1
      ? 'With one app you can leave `app` out: `/deploy dev my-branch`.'
      : `Example: \`/deploy ${config.appNames[0]} ${config.apps[config.appNames[0]!]!.envNames[0]} my-branch\``,
    'On environments that lock, deploying claims the environment for you; see `/lock help`.',
    `*Outside the deploy window:* the deploy waits in the queue and starts when the window opens. If you may override (\`permissions.override\`), ${OVERRIDE_USAGE} starts it now; the reason is recorded and shown in the feed. An override never lifts a freeze.`,
    `*Log:* ${LOG_USAGE} (also \`#42\`): where a deploy stands and its log (a link to the full log when the log page is on).`,
    `*Cancel:* ${CANCEL_USAGE} (also \`#42\`, or the Cancel button on its feed message): a queued deploy never runs; a running one's command is stopped (SIGTERM, then SIGKILL). Only whoever asked for the deploy, or an admin, can cancel it; the env's lock stays as it is.`,
    ...reviewHelp(config),
    `*Rollback:* ${ROLLBACK_USAGE} puts back the previous good deploy (or the deploy or commit you name) and keeps the environment locked to you; see \`/rollback help\`.`,
    '*Apps and environments:*',
    ...apps,
  ].join('\n');
}

function reviewHelp(config: FerryConfig): string[] {
  if (!config.appNames.some((a) => config.apps[a]!.reviewApps)) return [];
  return [
    `*Review apps:* ${REVIEW_DEPLOY_USAGE}: a pull request's review app (env \`pr-42\` for pull request 42) is deployed from GitHub on each push; \`/deploy pr-42\` redeploys its head (or the ref you name), \`/deploy pr-42 teardown\` (or the Tear down button on its feed message) tears it down. \`/deploys review\` lists them.`,
  ];
}
