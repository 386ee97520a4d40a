import { emojiChar } from './emoji';
import { isObj, list, muted, type Obj, str } from './elements';
import { channelHtml, dateHtml, escapeHtml, groupHtml, linkHtml, type Names, safeHref, userHtml } from './mrkdwn';

/** A rich_text block's body: sections, lists, quotes and preformatted text. */
export function richTextHtml(block: Obj, names: Names): string {
  return list(block.elements)
    .map((e) => (isObj(e) ? partHtml(e, names) : ''))
    .join('');
}

function partHtml(e: Obj, names: Names): string {
  switch (e.type) {
    case 'rich_text_section':
      return `<div class="bk-rt-section">${inlines(e.elements, names, false)}</div>`;
    case 'rich_text_quote':
      return `<blockquote>${inlines(e.elements, names, false)}</blockquote>`;
    case 'rich_text_preformatted':
      return `<pre>${inlines(e.elements, names, true)}</pre>`;
    case 'rich_text_list': {
      const tag = e.style === 'ordered' ? 'ol' : 'ul';
      const indent = typeof e.indent === 'number' && e.indent > 0 ? Math.min(Math.floor(e.indent), 8) : 0;
      const offset = typeof e.offset === 'number' && e.offset > 0 ? Math.floor(e.offset) : 0;
      const items = list(e.elements).map((item) => `<li>${isObj(item) ? inlines(item.elements, names, false) : ''}</li>`);
      return `<${tag} class="bk-rt-list bk-indent-${indent}"${tag === 'ol' && offset ? ` start="${offset + 1}"` : ''}>${items.join('')}</${tag}>`;
    }
    default:
      return muted(`unsupported rich text: ${str(e.type) ?? 'unknown'}`);
  }
}

function inlines(elements: unknown, names: Names, pre: boolean): string {
  return list(elements)
    .map((e) => (isObj(e) ? styled(inlineHtml(e, names, pre), e.style) : ''))
    .join('');
}

function inlineHtml(e: Obj, names: Names, pre: boolean): string {
  switch (e.type) {
    case 'text': {
      const text = escapeHtml(str(e.text) ?? '');
      return pre ? text : text.replace(/\n/g, '<br>');
    }
    case 'link': {
      const url = str(e.url) ?? '';
      const text = escapeHtml(str(e.text) || url);
      const href = safeHref(url);
      return href ? linkHtml(href, text) : text;
    }
    case 'user':
      return userHtml(str(e.user_id) ?? '', names);
    case 'channel':
      return channelHtml(str(e.channel_id) ?? '', names);
    case 'usergroup':
      return groupHtml(str(e.usergroup_id) ?? 'group');
    case 'broadcast':
      return groupHtml(str(e.range) ?? 'here');
    case 'emoji':
      return escapeHtml(emoji(e));
    case 'date':
      return dateHtml(
        typeof e.timestamp === 'number' ? e.timestamp : Number(e.timestamp),
        str(e.format) ?? '{date_short_pretty} {time}',
        str(e.fallback),
        str(e.url),
      );
    case 'color':
      return escapeHtml(str(e.value) ?? '');
    default:
      return '';
  }
}

/** An emoji element: its `unicode` code points ("1f44d" or "1f468-200d-1f4bb"), else the table, else `:name:`. */
function emoji(e: Obj): string {
  const name = str(e.name) ?? '';
  const unicode = str(e.unicode);
  if (unicode && /^[0-9a-f]{1,6}(?:-[0-9a-f]{1,6})*$/i.test(unicode)) {
    const points = unicode.split('-').map((h) => parseInt(h, 16));
    if (points.every((n) => n <= 0x10ffff)) return String.fromCodePoint(...points);
  }
  return emojiChar(name) ?? `:${name}:`;
}

function styled(html: string, style: unknown): string {
  if (!isObj(style) || !html) return html;
  let h = html;
  if (style.code === true) h = `<code>${h}</code>`;
  if (style.strike === true) h = `<del>${h}</del>`;
  if (style.italic === true) h = `<em>${h}</em>`;
  if (style.bold === true) h = `<strong>${h}</strong>`;
  return h;
}
