import type { FerryConfig } from '../config/types';
import type { PeriodDays } from '../delivery/types';
import { typed } from '../slack-format';
import { closest } from '../suggest';
import type { Parse } from './target';

const USAGE = '`/deploys stats [app] [7d|30d|90d]`';
export const PERIODS: readonly PeriodDays[] = [7, 30, 90];
export const DEFAULT_PERIOD: PeriodDays = 30;
/** The delivery figures of an app's envs over the last `days` days. */
export interface StatsRequest {
  kind: 'stats';
  app: string;
  days: PeriodDays;
}

const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

/** A period as typed (`7d`, `30d`, `90d`; `7`, `30` and `90` too), or undefined when it is not one of them. */
export function periodOf(word: string): PeriodDays | undefined {
  const m = /^(\d{1,3})(d|days?)?$/i.exec(word);
  const n = m ? Number(m[1]) : Number.NaN;
  return PERIODS.find((p) => p === n);
}

/** Whether a word looks like an attempt at a period (`45d`, `2w`, `3 months`' `3`), to say so rather than "no such app". */
const LOOKS_LIKE_PERIOD = /^\d+[a-z]*$/i;

/** `/deploys stats [app] [7d|30d|90d]` (in either order): one app may be left out when there is one. */
export function parseStats(parts: string[], config: FerryConfig): Parse<StatsRequest> {
  let app: string | undefined;
  let days: PeriodDays | undefined;
  for (const word of parts) {
    if (['help', '-h', '--help', '?'].includes(word.toLowerCase()) && !config.apps[word]) return { kind: 'help' };
    const period = periodOf(word);
    if (period !== undefined && days === undefined) {
      days = period;
      continue;
    }
    if (period !== undefined || (LOOKS_LIKE_PERIOD.test(word) && !config.apps[word])) {
      const again = period !== undefined;
      return {
        kind: 'error',
        message: again
          ? `Give one period, not two. Usage: ${USAGE}`
          : `Figures cover the last 7, 30 or 90 days; ${typed(word, 20)} is not one of them. Write \`7d\`, \`30d\` or \`90d\`, e.g. ${typed(`/deploys stats ${config.appNames.length === 1 ? '' : `${config.appNames[0]} `}90d`)}.`,
      };
    }
    if (app !== undefined)
      return { kind: 'error', message: `I don't know what to do with ${typed(word, 40)}: it takes one app and a period. Usage: ${USAGE}` };
    if (!config.apps[word]) {
      const guess = closest(word, config.appNames);
      return {
        kind: 'error',
        message: `There is no app ${typed(word, 40)}.${guess ? ` Did you mean \`${guess}\`?` : ''} Apps: ${list(config.appNames)}. Usage: ${USAGE}`,
      };
    }
    app = config.apps[word]!.name;
  }
  if (app === undefined && config.appNames.length === 1) app = config.appNames[0]!;
  if (app === undefined)
    return {
      kind: 'error',
      message: `Which app? ${list(config.appNames)}; e.g. ${typed(`/deploys stats ${config.appNames[0]} ${days ?? DEFAULT_PERIOD}d`)}.`,
    };
  return { kind: 'ok', value: { kind: 'stats', app, days: days ?? DEFAULT_PERIOD } };
}
