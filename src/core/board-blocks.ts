import { shortSha } from './deploy';
import { formatDuration } from './duration';
import { clipText, escapeMrkdwn, slackLink, slackTime } from './slack-format';

/** The blocks the `/deploys` views are made of, and how they fit into Slack's limits (at most 50 blocks, 3,000 characters per section). */

export interface Rendered {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Slack's limits, with room to spare. */
export const MAX_BLOCKS = 50;
export const SECTION_MAX = 2_900;

export const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
export const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
export const code = (name: string) => `\`${escapeMrkdwn(name)}\``;
export const ago = (at: number, now: number): string => `${formatDuration(Math.max(0, now - at))} ago`;
/** "2h ago (<date token>)". */
export const when = (at: number, now: number): string => `${ago(at, now)} (${slackTime(at)})`;
/** A time: just the clock within a day, else with the date. */
export const timeOf = (at: number, now: number): string =>
  slackTime(at, Math.abs(at - now) < 20 * 3_600_000 ? '{time}' : '{date_short_pretty} {time}');
export const shaText = (sha: string, url?: string): string => (url ? slackLink(url, shortSha(sha)) : `\`${shortSha(sha)}\``);

// ---- fitting into Slack's limits ----------------------------------------------------------------

/** Joins lines into chunks of at most SECTION_MAX characters, never splitting a line (long ones are clipped). */
export function splitLines(lines: readonly string[]): string[] {
  return greedy(
    lines.map((l) => clipText(l, SECTION_MAX)),
    '\n',
    Infinity,
    SECTION_MAX,
  ).out;
}

/**
 * Packs chunks into at most `room` section texts of at most SECTION_MAX characters each: one
 * chunk per section while they fit in `room` (`oneEach`), else as many per section as fit. What still doesn't
 * fit is left off, and the last section says how many `what` were.
 */
export function pack(chunks: readonly string[], sep: string, room: number, what: string, oneEach = true): string[] {
  const clipped = chunks.map((c) => clipText(c, SECTION_MAX));
  if (oneEach && clipped.length <= room) return clipped;
  const all = greedy(clipped, sep, room, SECTION_MAX);
  if (all.shown === clipped.length) return all.out;
  // Keep room in the last section for the note.
  const cut = greedy(clipped, sep, room, SECTION_MAX - 120);
  const note = `_…and ${clipped.length - cut.shown} more ${what} that don't fit in one Slack message._`;
  if (cut.out.length < room) return [...cut.out, note];
  const last = cut.out.length - 1;
  cut.out[last] += sep + note;
  return cut.out;
}

/** Greedy packing into at most `maxOut` texts; the last may hold at most `lastLimit` characters. */
function greedy(chunks: readonly string[], sep: string, maxOut: number, lastLimit: number): { out: string[]; shown: number } {
  const out: string[] = [];
  let shown = 0;
  const limitAt = (i: number) => (i === maxOut - 1 ? lastLimit : SECTION_MAX);
  for (const c of chunks) {
    const i = out.length - 1;
    if (i >= 0 && out[i]!.length + sep.length + c.length <= limitAt(i)) out[i] += sep + c;
    else if (out.length < maxOut && c.length <= limitAt(out.length)) out.push(c);
    else break;
    shown++;
  }
  return { out, shown };
}
