/**
 * Fitting release messages into Slack's limits whatever the input: text from git and people is
 * escaped and clipped by its escaped length, long lists are cut to a character budget with a
 * note saying how much was left off, and lines are packed into sections. Pure.
 */
import { isGroupId, isUserId, principalMention } from '../permissions';
import { escapeMrkdwn, slackTime } from '../slack-format';

/** Slack's limits for one message. */
export const SLACK = { blocks: 50, text: 3_000, header: 150, button: 75, actionElements: 25, totalText: 12_000 } as const;
/** What Ferry allows itself, with room to spare under SLACK. */
export const SECTION_MAX = 2_900;
export const TOTAL_BUDGET = 11_400;
/** Longer URLs (or ones with spaces) are shown as plain text rather than links. */
export const MAX_URL = 400;
const MAX_ID = 40;

/** `text` as raw text whose escaped form is at most `max` characters (ending in … when clipped). */
export function clipRaw(text: string, max: number): string {
  if (escapeMrkdwn(text).length <= max) return text;
  let out = '';
  let len = 0;
  for (const ch of text) {
    const n = escapeMrkdwn(ch).length;
    if (len + n > max - 1) break;
    out += ch;
    len += n;
  }
  return `${out}…`;
}

/** Text from git or people for mrkdwn: on one line (unless `multiline`), escaped, at most `max` characters. */
export function esc(text: string, max: number, multiline = false): string {
  const t = multiline
    ? text
        .replace(/\r\n?/g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : text.replace(/\s+/g, ' ').trim();
  return escapeMrkdwn(clipRaw(t, max));
}

/** Inline code of text from git or people (backticks swapped for '). */
export const code = (text: string, max = 80): string => `\`${esc(text.replace(/`/g, "'"), max) || ' '}\``;

/** Ferry's own mrkdwn clipped to `max` characters without cutting a `<…>` token or an entity in two. */
export function clipMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** A usable link target: http(s), no spaces, not absurdly long. */
export const linkable = (url: string | undefined): url is string => !!url && url.length <= MAX_URL && /^https?:\/\/\S+$/.test(url);

/** `<url|text>` for already-escaped mrkdwn text; just the text when the URL is missing or unusable. */
export function link(url: string | undefined, escapedText: string): string {
  return linkable(url) ? `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapedText}>` : escapedText;
}

/** A person or user group as a mention; anything that is not a Slack ID is shown as (clipped) code. */
export function who(id: string): string {
  return id.length <= MAX_ID && (isUserId(id) || isGroupId(id)) ? principalMention(id) : code(id, MAX_ID);
}

/** A Slack date token; "(unknown time)" for a timestamp that is not one. */
export function at(ms: number, format = '{date_short_pretty} {time}'): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? slackTime(ms, format) : 'at an unknown time';
}

/** "2 hours ago", as Slack shows it to each reader. */
export const ago = (ms: number): string => at(ms, '{ago}');

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * As many of `lines` as fit in `budget` characters (joined by newlines), at most `maxLines`,
 * followed by `more(left off)` when some don't fit (or always, with `always`). Lines are taken in order.
 */
export function fitLines(
  lines: readonly string[],
  budget: number,
  maxLines: number,
  more: (hidden: number) => string,
  always = false,
): string[] {
  const total = lines.reduce((n, l) => n + l.length + 1, 0);
  const end = always ? [more(0)] : [];
  if (lines.length <= maxLines && total + (end[0]?.length ?? -1) <= budget) return [...lines, ...end];
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length && out.length < maxLines; i++) {
    const l = lines[i]!;
    // Room for this line and, should the next not fit, the note after it.
    if (used + l.length + 1 + more(lines.length - i - 1).length > budget) break;
    out.push(l);
    used += l.length + 1;
  }
  const note = more(lines.length - out.length);
  return used + note.length <= budget ? [...out, note] : out;
}

/** Lines joined into section texts of at most `max` characters (a longer line is clipped). */
export function packSections(lines: readonly string[], max = SECTION_MAX): string[] {
  const out: string[] = [];
  for (const raw of lines) {
    const l = clipMrkdwn(raw, max);
    const i = out.length - 1;
    if (i >= 0 && out[i]!.length + 1 + l.length <= max) out[i] += `\n${l}`;
    else out.push(l);
  }
  return out;
}

export type Block = Record<string, unknown>;

export const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(text, SECTION_MAX) } });
export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clipMrkdwn(text, SECTION_MAX) }] });
export const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: plainClip(text, SLACK.header), emoji: true },
});

/** Plain text on one line, at most `max` characters. */
export function plainClip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** Characters of all the text in `blocks` (every `text` string, at any depth), as Slack counts toward a message. */
export function textChars(blocks: readonly unknown[]): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') n += x.length;
        else walk(x);
      }
    }
  };
  walk(blocks);
  return n;
}
