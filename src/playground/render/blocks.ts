import { attrs, elementHtml, imageHtml, isObj, list, muted, type Obj, str, textHtml, textPlain } from './elements';
import { escapeHtml, linkHtml, mrkdwnToHtml, type Names, plainToHtml, safeHref } from './mrkdwn';
import { richTextHtml } from './rich-text';

export interface RenderContext {
  names: Names;
}

/** What a block renderer knows about its block. */
interface At {
  blockId: string;
  index: number;
  names: Names;
}

/** A message: its blocks when it has any, else its `text` as mrkdwn. Never throws: unknown or malformed blocks render as a small muted note "unsupported block: <type>". */
export function messageToHtml(msg: { text?: string; blocks?: unknown[] }, ctx: RenderContext): string {
  const m: Obj = isObj(msg) ? msg : {};
  const blocks = list(m.blocks);
  if (blocks.length) return blocksToHtml(blocks, ctx);
  try {
    return `<div class="bk-text">${mrkdwnToHtml(str(m.text) ?? '', ctx.names)}</div>`;
  } catch {
    return `<div class="bk-text">${escapeHtml(str(m.text) ?? '')}</div>`;
  }
}

export function blocksToHtml(blocks: unknown[], ctx: RenderContext): string {
  return list(blocks)
    .map((b, i) => blockHtml(b, i, ctx.names))
    .join('');
}

/** A modal (views.open's `view`): title, blocks (including input blocks), submit and close buttons, as a <form>. */
export function viewToHtml(view: unknown, ctx: RenderContext): string {
  const v: Obj = isObj(view) ? view : {};
  const form = attrs({ 'data-callback-id': str(v.callback_id), 'data-view-id': str(v.id), 'data-external-id': str(v.external_id) });
  const title = textHtml(v.title, ctx.names) ?? '';
  const close = textHtml(v.close, ctx.names) || 'Cancel';
  const submit =
    v.submit === undefined || v.submit === null
      ? ''
      : `<button type="submit" class="bk-button bk-primary">${textHtml(v.submit, ctx.names) || 'Submit'}</button>`;
  return (
    `<form class="bk-modal"${form}><h2 class="bk-modal-title">${title}</h2>` +
    `<div class="bk-modal-body">${blocksToHtml(list(v.blocks), ctx)}</div>` +
    `<div class="bk-modal-buttons"><button type="button" class="bk-close" data-close>${close}</button>${submit}</div></form>`
  );
}

/**
 * One block in `<div class="bk-block bk-<type>" data-block-id>`. A block without a block_id is
 * `b<index>` (its index in its list), and an element without an action_id is `a<index>` (its
 * block's index; in an actions block `a<index>-<element index>`). The stand-in server uses the same
 * rule when it reads a submitted view (src/playground/view-state.ts), so keep the two in step.
 */
function blockHtml(raw: unknown, index: number, names: Names): string {
  const type = isObj(raw) ? (str(raw.type) ?? '') : '';
  try {
    const render = isObj(raw) ? BLOCKS.get(type) : undefined;
    if (!isObj(raw) || !render) return unsupported(type);
    const blockId = str(raw.block_id) ?? `b${index}`;
    const inner = render(raw, { blockId, index, names });
    if (inner === undefined) return unsupported(type);
    return `<div class="bk-block bk-${type}"${attrs({ 'data-block-id': blockId, 'data-optional': type === 'input' && raw.optional === true })}>${inner}</div>`;
  } catch {
    return unsupported(type);
  }
}

const unsupported = (type: string): string =>
  `<div class="bk-block bk-unsupported">${muted(`unsupported block: ${type || 'unknown'}`)}</div>`;

/** Each renderer returns the block's inner HTML, or undefined when the block is malformed. */
const BLOCKS = new Map<string, (b: Obj, at: At) => string | undefined>([
  ['header', (b, at) => wrapIf(textHtml(b.text, at.names), 'h3', 'bk-header-text')],
  ['section', section],
  ['context', context],
  ['divider', () => '<hr>'],
  ['actions', actions],
  ['rich_text', (b, at) => richTextHtml(b, at.names)],
  ['image', (b, at) => imageHtml(b, 'bk-image', at.names)],
  ['input', input],
  ['file', (b) => muted(`file: ${str(b.external_id) ?? str(b.file_id) ?? 'unknown'}`)],
  ['video', video],
  ['markdown', (b) => wrapIf(typeof b.text === 'string' ? plainToHtml(b.text, false) : undefined, 'div', 'bk-markdown')],
]);

const wrapIf = (html: string | undefined, tag: string, cls: string): string | undefined =>
  html === undefined ? undefined : `<${tag} class="${cls}">${html}</${tag}>`;

/** Text and/or two-column fields, and an optional accessory (button, image, or another element) on the right. */
function section(b: Obj, at: At): string | undefined {
  const text = textHtml(b.text, at.names);
  const fields = list(b.fields)
    .map((f) => textHtml(f, at.names))
    .filter((f): f is string => f !== undefined);
  if (text === undefined && !fields.length) return undefined;
  let body = wrapIf(text, 'div', 'bk-section-text') ?? '';
  if (fields.length) body += `<div class="bk-fields">${fields.map((f) => `<div class="bk-field">${f}</div>`).join('')}</div>`;
  const acc = isObj(b.accessory) ? b.accessory : undefined;
  const accessory = acc
    ? `<div class="bk-accessory">${elementHtml(acc, { blockId: at.blockId, actionId: str(acc.action_id) ?? `a${at.index}`, names: at.names })}</div>`
    : '';
  return `<div class="bk-section-body">${body}</div>${accessory}`;
}

/** Small, muted text and images (as links), in a row. */
function context(b: Obj, at: At): string | undefined {
  const items = list(b.elements).map((e) => {
    if (!isObj(e)) return undefined;
    return e.type === 'image' ? imageHtml(e, 'bk-image bk-image-small', at.names) : textHtml(e, at.names);
  });
  const shown = items.filter((i): i is string => i !== undefined);
  return shown.length ? shown.map((i) => `<span class="bk-context-item">${i}</span>`).join('') : undefined;
}

/** Buttons; selects, overflow menus and pickers are shown disabled. */
function actions(b: Obj, at: At): string | undefined {
  const els = list(b.elements).filter(isObj);
  if (!els.length) return undefined;
  const html = els.map((e, i) =>
    elementHtml(e, { blockId: at.blockId, actionId: str(e.action_id) ?? `a${at.index}-${i}`, names: at.names }),
  );
  return `<div class="bk-elements">${html.join('')}</div>`;
}

/** A modal's field: label (with "(optional)"), the form control named `<block_id>/<action_id>`, and a hint. */
function input(b: Obj, at: At): string | undefined {
  const el = isObj(b.element) ? b.element : undefined;
  if (!el) return undefined;
  const actionId = str(el.action_id) ?? `a${at.index}`;
  const optional = b.optional === true;
  const id = `bk-field-${`${at.blockId}-${actionId}`.replace(/[^\w-]/g, '_')}`;
  const group = el.type === 'checkboxes' || el.type === 'radio_buttons';
  const label = `${textHtml(b.label, at.names) ?? ''}${optional ? ' <span class="bk-optional">(optional)</span>' : ''}`;
  const hint = textHtml(b.hint, at.names);
  return (
    (group ? `<div class="bk-label" id="${id}-label">${label}</div>` : `<label class="bk-label" for="${id}">${label}</label>`) +
    elementHtml(el, { blockId: at.blockId, actionId, names: at.names, input: { id, optional } }) +
    (hint === undefined ? '' : `<div class="bk-hint">${hint}</div>`)
  );
}

/** A video is a link to it (never embedded), with its description. */
function video(b: Obj, at: At): string | undefined {
  const title = textPlain(b.title, at.names) || str(b.alt_text) || 'video';
  const href = safeHref(b.title_url) ?? safeHref(b.video_url);
  const description = textHtml(b.description, at.names);
  const head = href
    ? linkHtml(href, `<span aria-hidden="true">▶️</span> ${escapeHtml(title)}`, ' class="bk-video-link"')
    : muted(`video: ${title}`);
  return head + (description === undefined ? '' : `<div class="bk-muted">${description}</div>`);
}
