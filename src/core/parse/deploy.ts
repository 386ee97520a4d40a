import type { FerryConfig } from '../../config/types';
import { refProblem } from '../ref';
import { typed } from '../slack-format';
import { type Parse, readTarget, words } from './target';

export const DEPLOY_USAGE = '`/deploy [app] <env> [ref]`';

export interface DeployRequest {
  app: string;
  env: string;
  /** What the person named, or the app's default branch. */
  ref: string;
}

/** `/deploy [app] <env> [ref]` */
export function parseDeploy(text: string | undefined, config: FerryConfig): Parse<DeployRequest> {
  const w = words(text, DEPLOY_USAGE);
  if (w.kind !== 'ok') return w;
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

export function deployHelp(config: FerryConfig): string {
  const apps = config.appNames.map((a) => `• \`${a}\`: ${config.apps[a]!.envNames.join(', ')} (default ref \`${config.apps[a]!.defaultBranch}\`)`);
  return [
    `*Deploy:* ${DEPLOY_USAGE}`,
    'Queues a deploy of `ref` (a branch, tag or commit; the app\'s default branch when left out). The ref is pinned to its commit SHA when I accept it, and deploys to one environment run one at a time, in order.',
    config.appNames.length === 1 ? 'With one app you can leave `app` out: `/deploy dev my-branch`.' : `Example: \`/deploy ${config.appNames[0]} ${config.apps[config.appNames[0]!]!.envNames[0]} my-branch\``,
    'On environments that lock, deploying claims the environment for you; see `/lock help`.',
    '*Apps and environments:*',
    ...apps,
  ].join('\n');
}
