import { replaceEmoji } from './emoji';

/** Display names for the IDs in mentions. */
export interface Names {
  user(id: string): string;
  channel(id: string): string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value: nothing in it can become markup. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Slack's own three escapes, in one pass, so `&amp;lt;` stays the text `&lt;`. */
export function decodeSlack(s: string): string {
  return s.replace(/&(amp|lt|gt);/g, (_, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : '>'));
}

/** The URL when a page may link to it (http, https, mailto); anything else (javascript:, data:, ...) is not a link. */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const u = url.trim();
  return /^(?:https?:|mailto:)/i.test(u) ? u : undefined;
}

/** A link that opens outside the page. `inner` is HTML (already escaped). */
export function linkHtml(href: string, inner: string, attrs = ''): string {
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer"${attrs}>${inner}</a>`;
}

export function userHtml(id: string, names: Names, label?: string): string {
  const name = lookup(() => names.user(id), id, label);
  return `<span class="mention" data-user-id="${escapeHtml(id)}">@${escapeHtml(name.replace(/^@/, ''))}</span>`;
}

export function channelHtml(id: string, names: Names, label?: string): string {
  const name = lookup(() => names.channel(id), id, label);
  return `<span class="mention channel" data-channel-id="${escapeHtml(id)}">#${escapeHtml(name.replace(/^#/, ''))}</span>`;
}

/** `@here`, `@channel`, `@everyone`, or a user group's `@handle`. */
export function groupHtml(handle: string): string {
  return `<span class="mention group">@${escapeHtml(handle.replace(/^@/, ''))}</span>`;
}

/**
 * A Slack date: the browser localises it from `datetime` and `data-format` (Slack's tokens, such
 * as `{date_short_pretty} at {time}`); until then the fallback text shows.
 */
export function dateHtml(seconds: number, format: string, fallback?: string, link?: string): string {
  const d = new Date(seconds * 1000);
  if (!Number.isFinite(seconds) || Number.isNaN(d.getTime())) return escapeHtml(fallback ?? '');
  const iso = d.toISOString();
  const text = fallback || `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  const time = `<time class="date" datetime="${iso}" data-format="${escapeHtml(format)}">${escapeHtml(text)}</time>`;
  const href = safeHref(link);
  return href ? linkHtml(href, time) : time;
}

/** The name `names` gives, or the token's own label when it knows nothing better than the ID. */
function lookup(get: () => string, id: string, label: string | undefined): string {
  let name = '';
  try {
    name = String(get() ?? '');
  } catch {
    // A name we can't look up shows as its label or ID.
  }
  return (name && name !== id ? name : label || name) || id;
}

// Rendered pieces wait in "holes" (private-use placeholders) while the text around them is
// escaped and formatted, so nothing inside them is formatted twice and no text becomes markup.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const HOLE = /\uE000(\d+)\uE001/g;

class Holes {
  private readonly html: string[] = [];
  put(html: string): string {
    return `${OPEN}${this.html.push(html) - 1}${CLOSE}`;
  }
  fill(s: string): string {
    // A hole only ever holds earlier holes, so this ends.
    return s.replace(HOLE, (_, n: string) => this.fill(this.html[Number(n)] ?? ''));
  }
}

/** Slack mrkdwn -> HTML. */
export function mrkdwnToHtml(text: string, names: Names): string {
  const holes = new Holes();
  const s = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\uE000\uE001]/g, '\uFFFD')
    .replace(/<([^<>\n]+)>/g, (_, body: string) => holes.put(tokenHtml(body, names)));
  const parts = s.split(/```([\s\S]*?)```/);
  let html = '';
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      html += `<pre>${escapeHtml(decodeSlack(part.replace(/^\n/, '').replace(/\n$/, '')))}</pre>`;
      return;
    }
    // A <pre> is a block of its own: the newlines just before and after it are its edges.
    let t = i > 0 ? part.replace(/^\n/, '') : part;
    if (i < parts.length - 1) t = t.replace(/\n$/, '');
    html += linesHtml(t, holes);
  });
  return holes.fill(html);
}

/** Lines joined by <br>; runs of lines starting with `>` (or `&gt;`) are a <blockquote>; `>>>` quotes the rest. */
function linesHtml(text: string, holes: Holes): string {
  if (text === '') return '';
  const items: { quote: boolean; html: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const rest = /^(?:>>>|&gt;&gt;&gt;) ?/.exec(line);
    if (rest) {
      const quoted = [line.slice(rest[0].length), ...lines.slice(i + 1)];
      items.push({ quote: true, html: quoted.map((l) => inlineHtml(l, holes)).join('<br>') });
      break;
    }
    const q = /^(?:>|&gt;) ?/.exec(line);
    const html = inlineHtml(q ? line.slice(q[0].length) : line, holes);
    const last = items[items.length - 1];
    if (q && last?.quote) last.html += `<br>${html}`;
    else items.push({ quote: !!q, html });
  }
  let out = '';
  items.forEach((it, i) => {
    const prev = items[i - 1];
    if (it.quote) out += `<blockquote>${it.html}</blockquote>`;
    else out += (prev && !prev.quote ? '<br>' : '') + it.html;
  });
  return out;
}

const BARE_URL = /\bhttps?:\/\/(?:[^\s<>&`"\uE000\uE001]|&amp;)+/g;

/** One line: inline code, bare links, then Slack's escapes undone, HTML-escaped, emoji and *bold* _italic_ ~strike~. */
function inlineHtml(line: string, holes: Holes): string {
  let s = line.replace(/`([^`\n]+)`/g, (_, code: string) => holes.put(`<code>${escapeHtml(decodeSlack(code))}</code>`));
  s = s.replace(BARE_URL, (url: string) => {
    const trail = /[.,;:!?)\]'*_~]+$/.exec(url)?.[0] ?? '';
    const u = decodeSlack(url.slice(0, url.length - trail.length));
    return holes.put(linkHtml(u, escapeHtml(u))) + trail;
  });
  let h = replaceEmoji(escapeHtml(decodeSlack(s)));
  h = h.replace(BOLD, wrap('strong')).replace(ITALIC, wrap('em')).replace(STRIKE, wrap('del'));
  return h;
}

// Slack's rule: a marker opens after the start of the line or a character that is not a letter or
// digit, and closes before the end or such a character; the text inside neither starts nor ends
// with a space. So `snake_case_name` and `2*3*4` stay as they are.
const marker = (m: string) =>
  new RegExp(`(^|[^\\p{L}\\p{N}${m}])${m}([^\\s${m}](?:[^${m}\\n]*?[^\\s${m}])?)${m}(?![\\p{L}\\p{N}${m}])`, 'gu');
const BOLD = marker('\\*');
const ITALIC = marker('_');
const STRIKE = marker('~');
const wrap = (tag: string) => (_: string, before: string, inner: string) => `${before}<${tag}>${inner}</${tag}>`;

/** One `<...>` token: link, mention, broadcast, user group or date. */
function tokenHtml(body: string, names: Names): string {
  const bar = body.indexOf('|');
  const target = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? undefined : decodeSlack(body.slice(bar + 1));
  if (target.startsWith('@')) return userHtml(target.slice(1), names, label);
  if (target.startsWith('#')) return channelHtml(target.slice(1), names, label);
  if (target.startsWith('!')) {
    const [kind = '', ...args] = target.slice(1).split('^');
    if (kind === 'here' || kind === 'channel' || kind === 'everyone') return groupHtml(kind);
    if (kind === 'subteam') return groupHtml(label || args[0] || 'group');
    if (kind === 'date')
      return dateHtml(
        Number(args[0]),
        decodeSlack(args[1] ?? ''),
        label,
        args.length > 2 ? decodeSlack(args.slice(2).join('^')) : undefined,
      );
    return escapeHtml(label ?? `<${decodeSlack(body)}>`);
  }
  const url = decodeSlack(target);
  const href = safeHref(url);
  if (href) return linkHtml(href, escapeHtml(label || (/^mailto:/i.test(href) ? href.slice(7) : href)));
  // Not a link we would follow: its words, as text.
  if (label) return escapeHtml(label);
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return escapeHtml(url);
  // Slack reads any <...> as a token and drops the brackets: a placeholder such as <env> in a
  // bot's text comes out as a bare word. Shown the same here, marked, so the bug is visible.
  return `<span class="bk-swallowed" title="${escapeHtml(`Slack reads <${url}> as a link token; write &lt;${url}&gt; to show the brackets`)}">${escapeHtml(url)}</span>`;
}

/** plain_text -> HTML (escaped; :emoji: converted only when emoji !== false). */
export function plainToHtml(text: string, emoji?: boolean): string {
  const h = escapeHtml(String(text ?? ''));
  return (emoji === false ? h : replaceEmoji(h)).replace(/\r?\n/g, '<br>');
}

/** mrkdwn as plain text (mentions and links as their names and labels), e.g. for a confirm dialog. */
export function mrkdwnToText(text: string, names: Names): string {
  return String(text ?? '')
    .split(/<([^<>\n]+)>/)
    .map((part, i) => (i % 2 === 1 ? tokenText(part, names) : replaceEmoji(decodeSlack(part))))
    .join('');
}

function tokenText(body: string, names: Names): string {
  const bar = body.indexOf('|');
  const target = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? undefined : decodeSlack(body.slice(bar + 1));
  if (target.startsWith('@')) return `@${lookup(() => names.user(target.slice(1)), target.slice(1), label).replace(/^@/, '')}`;
  if (target.startsWith('#')) return `#${lookup(() => names.channel(target.slice(1)), target.slice(1), label).replace(/^#/, '')}`;
  if (target.startsWith('!')) {
    const kind = target.slice(1).split('^')[0] ?? '';
    if (kind === 'here' || kind === 'channel' || kind === 'everyone') return `@${kind}`;
    return label ?? `@${kind}`;
  }
  return label || decodeSlack(target);
}
