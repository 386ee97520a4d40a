/**
 * A release's one message in the feed channel, updated in place as acks come in: what ships
 * (range, commits, authors), who has said OK, what stands in the way, and the buttons. Pure, and
 * within Slack's limits for any input (long lists are condensed to a character budget).
 */
import { shortSha } from '../deploy';
import { summaryActions } from './buttons';
import {
  type Block,
  code,
  esc,
  fitLines,
  header,
  link,
  linkable,
  packSections,
  plural,
  section,
  TOTAL_BUDGET,
  textChars,
  who,
  ago,
} from './budget';
import { type CommitUrl, commitLines, shaRef, urlOf } from './commit-lines';
import {
  ackOf,
  approverLine,
  authorLine,
  dayMonth,
  envName,
  envTitle,
  holdLine,
  lastShipLine,
  staleLine,
  statusLine,
} from './release-text';
import type { ReleaseState } from './state';
import type { Commit, Release, ReleaseFields, ReleasePolicy } from './types';

export interface SummaryContext {
  policy: ReleasePolicy;
  state: ReleaseState;
  now: number;
  /** The team's zone, for the header's date. */
  timeZone: string;
  commitUrl?: CommitUrl | undefined;
  /** The ship deploy's log page, once it is shipping. */
  shipDeployUrl?: string | undefined;
}

export interface ReleaseMessage {
  text: string;
  blocks: Block[];
}

/** Author lines shown at most; the rest are counted. */
const MAX_AUTHOR_LINES = 30;
const MAX_HOLD_LINES = 10;

export function renderSummary(r: Release, commits: Commit[], ctx: SummaryContext): ReleaseMessage {
  const fields = fieldsText(r.fields);
  const actions = summaryActions(r, ctx.policy, ctx.state);
  const top = [
    header(`${envTitle(r.to)} deploy · ${dayMonth(r.createdAt, ctx.timeZone)}`),
    section(overview(r, ctx.commitUrl)),
    section(standing(r, ctx)),
  ];
  if (fields) top.push(section(fields));
  // What the lists may take: the rest of the budget, about a third of it for authors.
  let room = TOTAL_BUDGET - textChars([...top, ...(actions ? [actions] : [])]);
  const people = packSections(authorLines(r, Math.min(3_000, Math.floor(room * 0.35))));
  room -= people.reduce((n, s) => n + s.length, 0);
  const heading = `*Commits*, oldest first${r.noBase ? ` (${envName(r.from)}'s recent history)` : ''}`;
  const list = packSections([
    heading,
    ...commitLines(commits, {
      total: r.commitCount,
      budget: room - heading.length - 1,
      commitUrl: ctx.commitUrl,
      compareUrl: r.compareUrl,
    }),
  ]);
  return { text: fallback(r, ctx.state), blocks: [...top, ...people.map(section), ...list.map(section), ...(actions ? [actions] : [])] };
}

/** Release number, app, range, counts, compare link, requester, and a diverged range's warning. */
function overview(r: Release, commitUrl?: CommitUrl): string {
  const source = r.tag
    ? `tag ${code(r.tag, 60)} ${shaRef(r.sourceSha, urlOf(r.sourceSha, commitUrl))}`
    : `${envName(r.from)} ${shaRef(r.sourceSha, urlOf(r.sourceSha, commitUrl))}${r.sourceRef ? ` (${code(r.sourceRef, 60)})` : ''}`;
  const target =
    r.targetSha && !r.noBase
      ? `${envName(r.to)} ${shaRef(r.targetSha, urlOf(r.targetSha, commitUrl))}`
      : `${envName(r.to)} (nothing deployed yet)`;
  const lines = [`*Release #${r.id}* · ${code(r.app, 60)} · ${source} → ${target}`];
  const counts = `*${plural(r.commitCount, 'commit')}* by *${plural(r.authors.length, 'author')}*`;
  const compare = linkable(r.compareUrl) ? ` · ${link(r.compareUrl, 'compare')}` : '';
  lines.push(
    r.noBase || !r.targetSha
      ? `${counts}: ${envName(r.to)} has nothing deployed yet, so these are ${envName(r.from)}'s recent commits${compare}`
      : `${counts}${compare}`,
  );
  lines.push(
    `Requested by ${who(r.requester)} ${ago(r.createdAt)}${r.tag ? ` · from tag ${code(r.tag, 60)} (auto release), not what ${envName(r.from)} runs` : ''}`,
  );
  if (r.diverged) {
    const { ahead, behind } = r.diverged;
    lines.push(
      `:warning: *Diverged*, forced by ${who(r.requester)}: ${envName(r.from)} has ${plural(ahead, 'commit')} ${envName(r.to)} doesn't, and ${envName(r.to)} has ${plural(behind, 'commit')} ${envName(r.from)} doesn't; shipping takes ${behind === 1 ? 'that one' : 'those'} off ${envName(r.to)}.`,
    );
  }
  return lines.join('\n');
}

/** Status, staleness, the required approver, and the holds (numbered like their Lift buttons). */
function standing(r: Release, ctx: SummaryContext): string {
  const lines = [statusLine(r, ctx.policy, ctx.state, ctx.shipDeployUrl)];
  const stale = staleLine(r);
  if (stale) lines.push(stale);
  const last = lastShipLine(r);
  if (last) lines.push(last);
  const approver = r.status === 'open' ? approverLine(r, ctx.policy) : undefined;
  if (approver) lines.push(approver);
  if (r.status === 'open') {
    const holds = ctx.state.holds.map((h, i) => holdLine(h, ctx.state.holds.length > 1 ? i + 1 : undefined));
    lines.push(...fitLines(holds, 1_500, MAX_HOLD_LINES, (n) => `_…and ${plural(n, 'more hold')}_`));
  }
  return lines.join('\n');
}

const FIELDS: [keyof ReleaseFields, string, number][] = [
  ['description', 'Description', 600],
  ['deployType', 'Deploy type', 100],
  ['backout', 'Backout plan', 400],
  ['version', 'Version', 100],
  ['configChanges', 'Config changes', 400],
];

/** The release team's fields that are set, escaped and clipped. */
export function fieldsText(f: ReleaseFields): string | undefined {
  const lines = FIELDS.filter(([k]) => f[k]?.trim()).map(([k, label, max]) => `*${label}:* ${esc(f[k]!, max, true)}`);
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * Authors asked for an OK, then those shown only, each in the release's order; the rest counted.
 * The order never depends on who has answered, so nobody's line moves as OKs come in.
 */
function authorLines(r: Release, budget: number): string[] {
  const order = { waiting: 0, ok: 1, shown: 2 } as const;
  const authors = [...r.authors.filter((a) => a.ackBy !== 'none'), ...r.authors.filter((a) => a.ackBy === 'none')];
  // How many of each are among the last `hidden` authors.
  const tail = (k: keyof typeof order, hidden: number) => authors.slice(authors.length - hidden).filter((a) => ackOf(r, a) === k).length;
  const more = (hidden: number) => {
    const parts = [
      [tail('ok', hidden), 'OK'],
      [tail('waiting', hidden), 'waiting'],
      [tail('shown', hidden), 'shown only'],
    ]
      .filter(([n]) => n)
      .map(([n, w]) => `${n} ${w}`);
    return `_…and ${plural(hidden, 'more author')}: ${parts.join(', ')}_`;
  };
  if (authors.length === 0) return [];
  return [
    '*Who says OK*',
    ...fitLines(
      authors.map((a) => authorLine(r, a)),
      budget - 20,
      MAX_AUTHOR_LINES,
      more,
    ),
  ];
}

/** The notification's plain text: which release, what range, and where it stands. */
function fallback(r: Release, state: ReleaseState): string {
  const what = `Release #${r.id} of ${esc(r.app, 60)}: ${esc(r.from, 40)} ${esc(shortSha(r.sourceSha), 7)} → ${esc(r.to, 40)}`;
  return `${what}, ${plural(r.commitCount, 'commit')} by ${plural(r.authors.length, 'author')} · ${statusWord(r, state)}`;
}

export function statusWord(r: Release, state: ReleaseState): string {
  if (r.status !== 'open') return esc(String(r.status), 20);
  if (r.stale) return 'needs a refresh';
  if (state.ready) return 'ready to ship';
  if (state.holds.length > 0) return 'on hold';
  return state.waiting.length > 0 ? `waiting for ${plural(state.waiting.length, 'OK')}` : 'waiting for an approval';
}
