import { formatDuration } from '../duration';
import type { Durations, PeriodFigures } from './types';

/**
 * The four figures as people read them, and how a period compares with the one before it. Shared by
 * `/deploys stats`, the weekly digest and the stats page, so all three say the same. Pure.
 */

export type FigureName = 'frequency' | 'lead' | 'failure' | 'restore';

/** Which way is better: more deploys; shorter lead time, fewer failures, faster restores. */
const BETTER_UP: Record<FigureName, boolean> = { frequency: true, lead: false, failure: false, restore: false };

export const FIGURE_TITLES: Record<FigureName, string> = {
  frequency: 'Deploy frequency',
  lead: 'Lead time for changes',
  failure: 'Change failure rate',
  restore: 'Time to restore',
};

export interface Change {
  /** ↑, ↓ or = ; undefined when either side has no data. */
  arrow?: '↑' | '↓' | '=';
  verdict?: 'better' | 'worse' | 'same';
}

/** The number each figure is compared by (undefined: no data). */
export function figureValue(name: FigureName, p: PeriodFigures): number | undefined {
  switch (name) {
    case 'frequency':
      return p.attempts === 0 && p.deploys === 0 ? undefined : p.deploysPerDay;
    case 'lead':
      return p.leadTime.medianMs;
    case 'failure':
      return p.changeFailureRate;
    case 'restore':
      return p.timeToRestore.medianMs;
  }
}

/** How `current` compares with `previous` for figure `name`. Changes under 1% of the larger are "same". */
export function compare(name: FigureName, current: number | undefined, previous: number | undefined): Change {
  if (current === undefined || previous === undefined || !Number.isFinite(current) || !Number.isFinite(previous)) return {};
  const scale = Math.max(Math.abs(current), Math.abs(previous));
  if (scale === 0 || Math.abs(current - previous) < scale * 0.01) return { arrow: '=', verdict: 'same' };
  const up = current > previous;
  return { arrow: up ? '↑' : '↓', verdict: up === BETTER_UP[name] ? 'better' : 'worse' };
}

export const NA = 'n/a';

export function perDay(n: number): string {
  if (n === 0) return '0/day';
  if (n >= 10) return `${Math.round(n)}/day`;
  return `${n >= 1 ? n.toFixed(1) : n.toFixed(2)}/day`.replace(/\.?0+\/day$/, '/day');
}

export function percent(rate: number | undefined): string {
  if (rate === undefined || !Number.isFinite(rate)) return NA;
  const p = rate * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

export function durations(d: Durations): string {
  if (d.medianMs === undefined) return NA;
  return `median ${formatDuration(d.medianMs)}${d.p90Ms === undefined ? '' : `, p90 ${formatDuration(d.p90Ms)}`}`;
}

/** The figure's value in words for one period, with what it was counted from. */
export function figureText(name: FigureName, p: PeriodFigures): string {
  switch (name) {
    case 'frequency':
      return figureValue('frequency', p) === undefined
        ? NA
        : `${perDay(p.deploysPerDay)} (${p.deploys} deploy${p.deploys === 1 ? '' : 's'})`;
    case 'lead':
      return durations(p.leadTime);
    case 'failure':
      return p.changeFailureRate === undefined ? NA : `${percent(p.changeFailureRate)} (${p.failures} of ${p.attempts})`;
    case 'restore':
      return p.timeToRestore.medianMs === undefined ? NA : `${durations(p.timeToRestore)} (${p.timeToRestore.count})`;
  }
}

/** The figure's value alone, short (the "before" column). */
export function figureShort(name: FigureName, p: PeriodFigures): string {
  const v = figureValue(name, p);
  if (v === undefined) return NA;
  if (name === 'frequency') return perDay(v);
  if (name === 'failure') return percent(v);
  return formatDuration(v);
}

export const FIGURES: readonly FigureName[] = ['frequency', 'lead', 'failure', 'restore'];
