import type { FerryConfig } from '../config/types';
import type { Parse } from './target';

export const NUDGES_USAGE = '`/deploys nudges off` (or `on`)';

/**
 * `/deploys nudges off|on`: whether nudges (config `nudge:`) mention you. Undefined when the text is
 * not about nudges (it is then /deploys' own), including `/deploys nudges <env>` for an app called nudges.
 */
export function parseNudgesOptOut(text: string | undefined, config: Pick<FerryConfig, 'apps'>): Parse<{ off: boolean }> | undefined {
  const w = (text ?? '').trim().split(/\s+/);
  if (w[0]?.toLowerCase() !== 'nudges') return undefined;
  const what = w[1]?.toLowerCase();
  if (w.length === 2 && config.apps.nudges?.envs[w[1]!]) return undefined;
  if (w.length === 1 && config.apps.nudges) return undefined;
  if (w.length === 2 && (what === 'off' || what === 'on')) return { kind: 'ok', value: { off: what === 'off' } };
  return {
    kind: 'error',
    message: `Say ${NUDGES_USAGE}: off stops the daily nudges about undeployed commits mentioning you (they still name you), on lets them again.`,
  };
}

/** The answer to `/deploys nudges off|on`. */
export function nudgesOptOutText(off: boolean, changed: boolean): string {
  if (off)
    return changed
      ? ':zzz: Nudges about undeployed commits will name you without mentioning you. `/deploys nudges on` undoes it.'
      : 'Nudges already name you without mentioning you. `/deploys nudges on` lets them mention you again.';
  return changed
    ? ':bell: Nudges about undeployed commits will mention you again. `/deploys nudges off` stops it.'
    : 'Nudges mention you already. `/deploys nudges off` stops it.';
}
