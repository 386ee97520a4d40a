import { escapeHtml, pageShell } from './page-shell';
import { shortSha } from '../core/deploy';
import { envCharts } from '../core/delivery/charts';
import { FIGURE_TITLES, FIGURES, figureShort, figureText } from '../core/delivery/compare';
import { changeText } from '../core/delivery/stats-text';
import type { EnvFigures, PeriodDays } from '../core/delivery/types';
import { formatDuration } from '../core/duration';

/**
 * The stats page as an HTML string: per env, the four figures beside the period before, their charts
 * (inline SVG, src/core/delivery/charts.ts), the slowest changes and the failed deploys linked to
 * their log pages. No script and no inline styles (the page's CSP forbids them): looks come from
 * /assets/stats-page.css, linked relatively so a public URL with a path prefix works. Pure.
 */

export interface StatsPageView {
  app: string;
  days: PeriodDays;
  envs: EnvFigures[];
  /** The page's token, for the links to the other periods. */
  token: string;
  /** A failed deploy's log page link, when it can be made (its record still exists). */
  logUrls: Map<number, string>;
  commitUrl: (sha: string) => string | undefined;
  linkExpiresAt: number;
  now: number;
}

const PERIODS: PeriodDays[] = [7, 30, 90];
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const time = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 16)} UTC</time>`;
};
const KIND: Record<EnvFigures['failed'][number]['kind'], string> = {
  failed: 'failed',
  rollback: 'rolled back',
  smoke: 'smoke check failed',
};

export function statsShell(title: string, body: string): string {
  return pageShell({ title, stylesheet: 'stats-page.css', body });
}

function figures(f: EnvFigures): string {
  const rows = FIGURES.map(
    (
      name,
    ) => `<div class="figure figure-${name}"><dt>${FIGURE_TITLES[name]}</dt><dd><span class="now">${escapeHtml(figureText(name, f.current))}</span>
<span class="before">before: ${escapeHtml(figureShort(name, f.previous))}${escapeHtml(changeText(name, f))}</span></dd></div>`,
  );
  return `<dl class="figures">\n${rows.join('\n')}\n</dl>`;
}

function slowest(f: EnvFigures, v: StatsPageView): string {
  if (f.slowest.length === 0) return '<p class="note">No changes reached this environment in the period.</p>';
  const items = f.slowest.map((c) => {
    const sha = `<code>${escapeHtml(shortSha(c.sha))}</code>`;
    const url = v.commitUrl(c.sha);
    const link = url ? `<a href="${escapeHtml(url)}" rel="noreferrer noopener">${sha}</a>` : sha;
    return `<li>${link} <span class="subject">${escapeHtml(c.subject ?? '')}</span> <span class="took">${formatDuration(c.leadMs)} to deploy #${c.deployId}</span></li>`;
  });
  return `<ol class="changes">\n${items.join('\n')}\n</ol>`;
}

function failed(f: EnvFigures, v: StatsPageView): string {
  if (f.failed.length === 0) return '<p class="note">No failed deploys, rollbacks or smoke failures in the period.</p>';
  const items = f.failed.map((x) => {
    const url = v.logUrls.get(x.deployId);
    const name = `Deploy #${x.deployId}`;
    const link = url ? `<a href="${escapeHtml(url)}" rel="noreferrer noopener">${name}</a>` : name;
    return `<li>${link} <span class="kind kind-${x.kind}">${KIND[x.kind]}</span> ${time(x.at)}${x.error ? ` <span class="error">${escapeHtml(x.error)}</span>` : ''}</li>`;
  });
  return `<ul class="failed">\n${items.join('\n')}\n</ul>`;
}

function envSection(f: EnvFigures, i: number, v: StatsPageView): string {
  const id = `env${i}`;
  const charts = envCharts(id, f.series, f.current.from, f.current.to)
    .map((c) => `<figure class="chart-box"><figcaption>${c.title}</figcaption>\n${c.svg}\n</figure>`)
    .join('\n');
  return `<section class="env" id="env-${escapeHtml(f.env)}" aria-labelledby="${id}-h">
<h2 id="${id}-h">${escapeHtml(f.env)}</h2>
${figures(f)}
<div class="charts">
${charts}
</div>
<h3>Slowest changes</h3>
${slowest(f, v)}
<h3>Failed deploys</h3>
${failed(f, v)}
</section>`;
}

export function renderStatsPage(v: StatsPageView): string {
  const nav = PERIODS.map((d) =>
    d === v.days
      ? `<span class="period current" aria-current="page">${d} days</span>`
      : `<a class="period" href="${encodeURIComponent(v.app)}?days=${d}&amp;t=${encodeURIComponent(v.token)}">${d} days</a>`,
  ).join(' ');
  const first = v.envs[0];
  const span = first ? `${day(first.current.from)} to ${day(first.current.to - 1)}, beside the ${v.days} days before` : '';
  const body = `<main id="page" data-app="${escapeHtml(v.app)}" data-days="${v.days}">
<header class="top">
  <h1>Delivery figures <span class="target">${escapeHtml(v.app)}</span></h1>
  <nav class="periods" aria-label="Period">${nav}</nav>
  <p class="span">${span}</p>
</header>
${v.envs.length === 0 ? '<p class="note">This app has no environments to show figures for.</p>' : v.envs.map((f, i) => envSection(f, i, v)).join('\n')}
<footer class="foot">
  <p>This link works until ${time(v.linkExpiresAt)}. Anyone who has it can read these figures; <code>/deploys stats ${escapeHtml(v.app)}</code> in Slack gives a fresh one. How each figure is counted: Ferry's docs/delivery-figures.md.</p>
</footer>
</main>`;
  return statsShell(`Delivery figures · ${v.app} · ${v.days} days — Ferry`, body);
}

/** A page that says what was wrong and what to do; `messageHtml` is built from escaped parts. */
export function renderStatsError(title: string, messageHtml: string): string {
  return statsShell(
    `${title} — Ferry`,
    `<main id="page" class="error-page">\n<h1>${escapeHtml(title)}</h1>\n<p>${messageHtml}</p>\n</main>`,
  );
}
