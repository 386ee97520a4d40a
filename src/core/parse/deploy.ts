import type { FerryConfig } from '../../config/types';
import { refProblem } from '../ref';
import { typed } from '../slack-format';
import { type Parse, readTarget, words } from './target';

export const DEPLOY_USAGE = '`/deploy [app] &lt;env&gt; [ref]`';
export const LOG_USAGE = '`/deploy log &lt;id&gt;`';

export interface DeployRequest {
  app: string;
  env: string;
  /** What the person named, or the app's default branch. */
  ref: string;
}

/** `/deploy log <id>`: a link to the deploy's log page (`log` is reserved as an app or env name). */
export interface LogRequest {
  kind: 'log';
  id: number;
}

export type DeployParse = Parse<DeployRequest> | LogRequest;

/** `/deploy [app] <env> [ref]`, or `/deploy log <id>` */
export function parseDeploy(text: string | undefined, config: FerryConfig): DeployParse {
  const w = words(text, DEPLOY_USAGE);
  if (w.kind !== 'ok') return w;
  if (w.value[0]!.toLowerCase() === 'log') return parseLog(w.value.slice(1));
  const t = readTarget(w.value, config, DEPLOY_USAGE);
  if (t.kind !== 'ok') return t;
  const { app, env, rest } = t.value;
  if (rest.length > 1) {
    return { kind: 'error', message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: a deploy takes one ref. Usage: ${DEPLOY_USAGE}` };
  }
  const ref = rest[0] ?? app.defaultBranch;
  const problem = refProblem(ref);
  if (problem) return { kind: 'error', message: `Can't deploy that ref: ${problem}.` };
  return { kind: 'ok', value: { app: app.name, env, ref } };
}

function parseLog(rest: string[]): Parse<never> | LogRequest {
  if (rest.length === 0) return { kind: 'error', message: `Which deploy's log? Usage: ${LOG_USAGE}, e.g. \`/deploy log 42\`; the id is in the deploy's feed message (Deploy #42).` };
  if (rest.length > 1) return { kind: 'error', message: `I don't know what to do with ${typed(rest.slice(1).join(' '))}: ${LOG_USAGE} takes one deploy id, e.g. \`/deploy log 42\`.` };
  const m = /^#?(\d{1,15})$/.exec(rest[0]!);
  const id = m ? Number(m[1]) : 0;
  if (id < 1) return { kind: 'error', message: `${typed(rest[0]!)} is not a deploy id; use the number from the deploy's feed message (Deploy #42), e.g. \`/deploy log 42\`.` };
  return { kind: 'log', id };
}

export function deployHelp(config: FerryConfig): string {
  const apps = config.appNames.map((a) => `• \`${a}\`: ${config.apps[a]!.envNames.join(', ')} (default ref \`${config.apps[a]!.defaultBranch}\`)`);
  return [
    `*Deploy:* ${DEPLOY_USAGE}`,
    'Queues a deploy of `ref` (a branch, tag or commit; the app\'s default branch when left out). The ref is pinned to its commit SHA when I accept it, and deploys to one environment run one at a time, in order.',
    config.appNames.length === 1 ? 'With one app you can leave `app` out: `/deploy dev my-branch`.' : `Example: \`/deploy ${config.appNames[0]} ${config.apps[config.appNames[0]!]!.envNames[0]} my-branch\``,
    'On environments that lock, deploying claims the environment for you; see `/lock help`.',
    `*Log:* ${LOG_USAGE} (also \`#42\`): where a deploy stands and its log (a link to the full log when the log page is on).`,
    '*Apps and environments:*',
    ...apps,
  ].join('\n');
}
