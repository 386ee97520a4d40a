import { formatDuration } from '../duration';
import { percent } from './compare';
import type { DayPoint } from './types';

/**
 * The stats page's charts as inline SVG, drawn server-side: no script, no outside fonts, nothing the
 * page's Content-Security-Policy forbids (no style attributes: looks come from classes in
 * stats-page.css, sizes from the viewBox, so a chart scales to any width). Each chart has a title
 * and a description for screen readers, and each bar or point a <title> with its value. Pure.
 */

const W = 640;
const H = 180;
const PAD = { left: 58, right: 10, top: 12, bottom: 26 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const DAY = 86_400_000;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const num = (n: number): string => String(Math.round(n * 10) / 10);
const dayText = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface ChartBar {
  at: number;
  /** The bar's height in the chart's unit; a second, stacked part (failures) optional. */
  value: number;
  stacked?: number;
  label: string;
  /** No data behind it (a week without deploys): drawn as nothing, not counted. */
  empty?: boolean;
}

export interface ChartPoint {
  at: number;
  value?: number;
  label: string;
}

interface Frame {
  id: string;
  title: string;
  desc: string;
  /** The axis' top value, said as text. */
  max: number;
  maxLabel: string;
  from: number;
  to: number;
  kind: string;
  count: number;
}

function frame(f: Frame, inner: string): string {
  const base = PAD.top + PLOT_H;
  return `<svg class="chart chart-${f.kind}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${f.id}-t ${f.id}-d" data-kind="${f.kind}" data-points="${f.count}" preserveAspectRatio="xMidYMid meet">
<title id="${f.id}-t">${esc(f.title)}</title>
<desc id="${f.id}-d">${esc(f.desc)}</desc>
<line class="axis" x1="${PAD.left}" y1="${base}" x2="${W - PAD.right}" y2="${base}"/>
<line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}"/>
<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${esc(f.maxLabel)}</text>
<text class="tick" x="${PAD.left - 6}" y="${base + 4}" text-anchor="end">0</text>
<text class="tick" x="${PAD.left}" y="${H - 6}">${dayText(f.from)}</text>
<text class="tick" x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${dayText(f.to - 1)}</text>
${f.count === 0 ? `<text class="empty" x="${PAD.left + PLOT_W / 2}" y="${PAD.top + PLOT_H / 2}" text-anchor="middle">No data in this period</text>` : inner}
</svg>`;
}

/** A round top for an axis: 1, 2, 5, 10, 20, 50... at or above `n`. */
export function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n) ?? 10 * p;
}

const MIN = 60_000;
/** Round tops for a duration axis: 1m ... 30d. */
const DURATION_TOPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080, 20160, 43200].map((m) => m * MIN);

/** A round top for a duration axis (ms). */
export function niceDuration(ms: number): number {
  if (!(ms > 0)) return MIN;
  return DURATION_TOPS.find((t) => t >= ms) ?? niceMax(ms / (43200 * MIN)) * 43200 * MIN;
}

/** Bars over [from, to), each `span` ms wide (a day, a week); the stacked part in a class of its own. */
export function barChart(
  o: { id: string; title: string; desc: string; kind: string; from: number; to: number; span: number; format: (v: number) => string },
  bars: ChartBar[],
): string {
  const top = Math.max(0, ...bars.map((b) => b.value + (b.stacked ?? 0)));
  const max = o.format === percent ? Math.min(1, niceMax(top * 100) / 100) || 1 : niceMax(top);
  const scaleX = PLOT_W / Math.max(1, o.to - o.from);
  const y = (v: number): number => (v / max) * PLOT_H;
  const base = PAD.top + PLOT_H;
  const rects = bars.map((b) => {
    const x = PAD.left + (b.at - o.from) * scaleX;
    const w = Math.max(1, Math.min(o.span, o.to - b.at) * scaleX - 2);
    const h = y(b.value);
    const s = y(b.stacked ?? 0);
    const own = `<rect class="bar" x="${num(x + 1)}" y="${num(base - h)}" width="${num(w)}" height="${num(h)}"/>`;
    const top =
      s > 0 ? `<rect class="bar bar-stacked" x="${num(x + 1)}" y="${num(base - h - s)}" width="${num(w)}" height="${num(s)}"/>` : '';
    return `<g class="datum"><title>${esc(b.label)}</title>${own}${top}</g>`;
  });
  const count = bars.filter((b) => !b.empty).length;
  return frame({ ...o, max, maxLabel: o.format(max), count }, rects.join('\n'));
}

/** A line through the points that have a value (a gap where a day has none), each point a dot. */
export function lineChart(
  o: { id: string; title: string; desc: string; kind: string; from: number; to: number; format: (v: number) => string },
  points: ChartPoint[],
): string {
  const have = points.filter((p): p is ChartPoint & { value: number } => p.value !== undefined && Number.isFinite(p.value));
  const max = niceDuration(Math.max(0, ...have.map((p) => p.value)));
  const scaleX = PLOT_W / Math.max(1, o.to - o.from);
  const base = PAD.top + PLOT_H;
  const xy = (p: { at: number; value: number }): [string, string] => [
    num(PAD.left + (p.at - o.from + DAY / 2) * scaleX),
    num(base - (p.value / max) * PLOT_H),
  ];
  const segments: string[][] = [];
  let run: string[] = [];
  for (const p of points) {
    if (p.value === undefined || !Number.isFinite(p.value)) {
      if (run.length) segments.push(run);
      run = [];
    } else run.push(xy(p as ChartPoint & { value: number }).join(','));
  }
  if (run.length) segments.push(run);
  const lines = segments.filter((s) => s.length > 1).map((s) => `<polyline class="line" points="${s.join(' ')}"/>`);
  const dots = have.map((p) => {
    const [x, yy] = xy(p);
    return `<g class="datum"><title>${esc(p.label)}</title><circle class="dot" cx="${x}" cy="${yy}" r="3.5"/></g>`;
  });
  return frame({ ...o, max, maxLabel: o.format(max), count: have.length }, [...lines, ...dots].join('\n'));
}

/** The four charts of one env's series: deploys per day, lead time median, failure rate per week, restore times. */
export function envCharts(id: string, series: DayPoint[], from: number, to: number): { title: string; svg: string }[] {
  const day = (p: DayPoint): string => dayText(p.day);
  const deploys = barChart(
    {
      id: `${id}-deploys`,
      kind: 'deploys',
      title: 'Deploys per day',
      desc: `Successful deploys each day from ${dayText(from)} to ${dayText(to - 1)}, failures stacked on top.`,
      from,
      to,
      span: DAY,
      format: (v) => String(v),
    },
    series.map((p) => ({
      at: p.day,
      value: p.deploys,
      stacked: p.failures,
      label: `${day(p)}: ${p.deploys} deployed, ${p.failures} failed`,
    })),
  );
  const lead = lineChart(
    {
      id: `${id}-lead`,
      kind: 'lead',
      title: 'Lead time for changes (median per day)',
      desc: 'The median time from a commit to its deploy, for each day with deploys.',
      from,
      to,
      format: formatDuration,
    },
    series.map((p) => ({
      at: p.day,
      ...(p.leadMedianMs !== undefined && { value: p.leadMedianMs }),
      label: `${day(p)}: median ${p.leadMedianMs === undefined ? 'n/a' : formatDuration(p.leadMedianMs)}`,
    })),
  );
  const weeks = weekly(series, from);
  const failure = barChart(
    {
      id: `${id}-failure`,
      kind: 'failure',
      title: 'Change failure rate per week',
      desc: 'Failures over the deploys that ended each week.',
      from,
      to,
      span: 7 * DAY,
      format: percent,
    },
    weeks.map((w) => ({
      at: w.at,
      value: w.rate ?? 0,
      ...(w.rate === undefined && { empty: true }),
      label: `Week of ${dayText(w.at)}: ${w.rate === undefined ? 'no deploys' : `${percent(w.rate)} (${w.failures} of ${w.attempts})`}`,
    })),
  );
  const restore = lineChart(
    {
      id: `${id}-restore`,
      kind: 'restore',
      title: 'Time to restore (median per day)',
      desc: 'The median time from a failure to the next successful deploy, on the days failures were restored.',
      from,
      to,
      format: formatDuration,
    },
    series.map((p) => ({
      at: p.day,
      ...(p.restoreMedianMs !== undefined && { value: p.restoreMedianMs }),
      label: `${day(p)}: restored in ${p.restoreMedianMs === undefined ? 'n/a' : formatDuration(p.restoreMedianMs)}`,
    })),
  );
  return [
    { title: 'Deploys per day', svg: deploys },
    { title: 'Lead time for changes', svg: lead },
    { title: 'Change failure rate', svg: failure },
    { title: 'Time to restore', svg: restore },
  ];
}

/** The series in weeks from `from`: failures over deploys that ended (undefined: none). */
export function weekly(series: DayPoint[], from: number): { at: number; failures: number; attempts: number; rate?: number }[] {
  const weeks = new Map<number, { at: number; failures: number; attempts: number }>();
  for (const p of series) {
    const at = from + Math.floor((p.day - from) / (7 * DAY)) * 7 * DAY;
    const w = weeks.get(at) ?? { at, failures: 0, attempts: 0 };
    w.failures += p.failures;
    w.attempts += p.attempts;
    weeks.set(at, w);
  }
  return [...weeks.values()].map((w) => ({ ...w, ...(w.attempts > 0 && { rate: w.failures / w.attempts }) }));
}
