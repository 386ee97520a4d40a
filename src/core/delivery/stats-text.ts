import { escapeMrkdwn, slackLink } from '../slack-format';
import { compare, FIGURE_TITLES, FIGURES, type FigureName, figureShort, figureText, figureValue } from './compare';
import type { EnvFigures, PeriodDays } from './types';

/**
 * `/deploys stats` and the weekly digest, as Slack mrkdwn: per env (production first, as given),
 * the four figures over the period, the period before beside them and the change, with whether it
 * is better or worse. Pure: the figures and the link come in as arguments.
 */

export interface StatsTextView {
  app: string;
  days: PeriodDays;
  /** One per env, in the order shown (production first). */
  envs: EnvFigures[];
  /** The stats page (charts, slowest changes, failed deploys), when the page is on. */
  statsUrl?: string;
  /** A heading other than the default (the digest's). */
  heading?: string;
}

export function changeText(name: FigureName, f: EnvFigures): string {
  const c = compare(name, figureValue(name, f.current), figureValue(name, f.previous));
  if (!c.arrow) return '';
  return c.verdict === 'same' ? ' · no change' : ` · ${c.arrow} ${c.verdict}`;
}

function envLines(f: EnvFigures): string[] {
  const lines = [`*${escapeMrkdwn(f.env)}*`];
  for (const name of FIGURES) {
    lines.push(`• ${FIGURE_TITLES[name]}: ${figureText(name, f.current)} · before: ${figureShort(name, f.previous)}${changeText(name, f)}`);
  }
  return lines;
}

export function renderStatsText(v: StatsTextView): string {
  const heading =
    v.heading ?? `*Delivery figures for \`${escapeMrkdwn(v.app)}\`*, the last ${v.days} days (before: the ${v.days} days before them)`;
  const body = v.envs.length === 0 ? [`\`${escapeMrkdwn(v.app)}\` has no environments to show figures for.`] : v.envs.flatMap(envLines);
  const link = v.statsUrl ? [slackLink(v.statsUrl, 'Charts, slowest changes and failed deploys')] : [];
  return [heading, ...body, ...link].join('\n');
}

/** What `/deploys stats` says on a Ferry whose figures are not wired in yet. */
export const STATS_NOT_AVAILABLE =
  'Delivery figures are not available on this Ferry yet: it was started without their source. Ask whoever runs Ferry to update it; `/deploys` and `/deploys <env>` show the latest deploys meanwhile.';
