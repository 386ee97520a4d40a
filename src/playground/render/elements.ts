import { replaceEmoji } from './emoji';
import { escapeHtml, linkHtml, mrkdwnToHtml, mrkdwnToText, type Names, plainToHtml, safeHref } from './mrkdwn';

// Narrowing for payloads we don't trust: anything may be missing or of the wrong type.
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** HTML attributes from a map: undefined and false are left out, true is a bare attribute, values are escaped. */
export function attrs(a: Record<string, string | number | boolean | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`;
  }
  return out;
}

/** A text object (mrkdwn or plain_text) as HTML; undefined when it isn't one. */
export function textHtml(t: unknown, names: Names): string | undefined {
  if (!isObj(t) || typeof t.text !== 'string') return undefined;
  if (t.type === 'mrkdwn') return mrkdwnToHtml(t.text, names);
  if (t.type === 'plain_text') return plainToHtml(t.text, t.emoji !== false);
  return undefined;
}

/** A text object as plain text, for attributes and <option>s ('' when it isn't one). */
export function textPlain(t: unknown, names: Names): string {
  if (!isObj(t) || typeof t.text !== 'string') return '';
  if (t.type === 'mrkdwn') return mrkdwnToText(t.text, names);
  return t.emoji === false ? t.text : replaceEmoji(t.text);
}

export const muted = (text: string): string => `<span class="bk-muted">${escapeHtml(text)}</span>`;

/** Where an element sits: its block's ID and its own action_id (or the default its caller chose). */
export interface Place {
  blockId: string;
  actionId: string;
  names: Names;
  /** In a modal's input block: a named, enabled form control. Elsewhere: shown, but disabled (buttons excepted). */
  input?: { id: string; optional: boolean };
}

/** Any interactive element (or image) as HTML; an element this renderer doesn't know is a muted note. */
export function elementHtml(el: Obj, p: Place): string {
  const type = str(el.type) ?? '';
  const placeholder = textPlain(el.placeholder, p.names) || undefined;
  const base = {
    id: p.input?.id,
    name: p.input ? `${p.blockId}/${p.actionId}` : undefined,
    'data-element-type': type,
    'data-action-id': p.actionId,
    'data-block-id': p.blockId,
    disabled: !p.input,
  };
  const required = !!p.input && !p.input.optional;
  const field = (
    inputType: string,
    value: string | number | undefined,
    extra: Record<string, string | number | boolean | undefined> = {},
  ) => `<input type="${inputType}" class="bk-field-input"${attrs({ ...base, value, placeholder, required, ...extra })}>`;
  switch (type) {
    case 'button':
      return buttonHtml(el, p);
    case 'image':
      return imageHtml(el, 'bk-image bk-image-small', p.names);
    case 'overflow':
      return `<button type="button" class="bk-overflow" disabled aria-label="More options"${attrs({ 'data-action-id': p.actionId, 'data-block-id': p.blockId })}>⋯</button>`;
    case 'plain_text_input': {
      const value = str(el.initial_value);
      const limits = { minlength: num(el.min_length), maxlength: num(el.max_length) };
      if (el.multiline !== true) return field('text', value, limits);
      // A newline right after <textarea> is dropped by the HTML parser, so one that belongs to the value is doubled.
      const body = value?.startsWith('\n') ? `\n${value}` : (value ?? '');
      return `<textarea class="bk-field-input"${attrs({ ...base, placeholder, required, ...limits })}>${escapeHtml(body)}</textarea>`;
    }
    case 'email_text_input':
      return field('email', str(el.initial_value));
    case 'url_text_input':
      return field('url', str(el.initial_value));
    case 'number_input':
      return field('number', str(el.initial_value) ?? num(el.initial_value), {
        step: el.is_decimal_allowed === true ? 'any' : '1',
        min: str(el.min_value),
        max: str(el.max_value),
      });
    case 'datepicker':
      return field('date', str(el.initial_date));
    case 'timepicker':
      return field('time', str(el.initial_time));
    case 'users_select':
      return p.input
        ? field('text', str(el.initial_user), { placeholder: placeholder ?? 'user ID' })
        : selectHtml(el, base, placeholder, p.names);
    case 'conversations_select':
    case 'channels_select':
      return p.input
        ? field('text', str(el.initial_conversation) ?? str(el.initial_channel), { placeholder: placeholder ?? 'channel ID' })
        : selectHtml(el, base, placeholder, p.names);
    case 'static_select':
    case 'multi_static_select':
    case 'external_select':
    case 'multi_external_select':
    case 'multi_users_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
      return selectHtml(el, { ...base, required, multiple: type.startsWith('multi_') }, placeholder, p.names);
    case 'checkboxes':
    case 'radio_buttons':
      return choicesHtml(el, type, base, required, p.names);
    default:
      return muted(`unsupported element: ${type || 'unknown'}`);
  }
}

/** `<select>` with the placeholder as its first, disabled option. */
function selectHtml(
  el: Obj,
  a: Record<string, string | number | boolean | undefined>,
  placeholder: string | undefined,
  names: Names,
): string {
  const chosen = new Set(chosenValues(el));
  const option = (o: unknown): string => {
    if (!isObj(o)) return '';
    const value = str(o.value) ?? '';
    return `<option${attrs({ value, selected: chosen.has(value) })}>${escapeHtml(textPlain(o.text, names))}</option>`;
  };
  let options = list(el.options).map(option).join('');
  for (const g of list(el.option_groups)) {
    if (isObj(g)) options += `<optgroup${attrs({ label: textPlain(g.label, names) })}>${list(g.options).map(option).join('')}</optgroup>`;
  }
  const first = `<option value="" disabled${chosen.size ? '' : ' selected'}>${escapeHtml(placeholder ?? 'Select an item')}</option>`;
  return `<select class="bk-select"${attrs(a)}>${first}${options}</select>`;
}

/** Checkboxes or radio buttons: one input per option, all with the element's name, each with its option's value. */
function choicesHtml(
  el: Obj,
  type: string,
  a: Record<string, string | number | boolean | undefined>,
  required: boolean,
  names: Names,
): string {
  const chosen = new Set(chosenValues(el));
  const { id, ...each } = a;
  const inputType = type === 'checkboxes' ? 'checkbox' : 'radio';
  const options = list(el.options).map((o) => {
    if (!isObj(o)) return '';
    const value = str(o.value) ?? '';
    const description = textHtml(o.description, names);
    const input = `<input type="${inputType}"${attrs({ ...each, value, checked: chosen.has(value), required: required && inputType === 'radio' })}>`;
    return `<label class="bk-choice">${input} <span>${textHtml(o.text, names) ?? ''}</span>${description ? ` <span class="bk-muted">${description}</span>` : ''}</label>`;
  });
  return `<div class="bk-choices bk-${type}"${attrs({ id, role: inputType === 'radio' ? 'radiogroup' : 'group', 'aria-labelledby': id === undefined ? undefined : `${id}-label` })}>${options.join('')}</div>`;
}

function chosenValues(el: Obj): string[] {
  const options = isObj(el.initial_option) ? [el.initial_option] : list(el.initial_options);
  return options.map((o) => (isObj(o) ? str(o.value) : undefined)).filter((v): v is string => v !== undefined);
}

/**
 * `<button type="button" class="bk-button [bk-primary|bk-danger]" data-action-id data-block-id data-value>`;
 * with a (safe) `url`, an `<a class="bk-button" ... data-url>` that opens it (Slack still sends the action).
 * A `confirm` dialog becomes `data-confirm` (its text as plain text) for the page to ask first.
 */
export function buttonHtml(el: Obj, p: Place): string {
  const style = el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : '';
  const label = textHtml(el.text, p.names) ?? '';
  const confirm = isObj(el.confirm) ? el.confirm : undefined;
  const common = {
    'data-action-id': p.actionId,
    'data-block-id': p.blockId,
    'data-value': str(el.value),
    'data-confirm': confirm && (textPlain(confirm.text, p.names) || textPlain(confirm.title, p.names) || 'Are you sure?'),
    'data-confirm-title': confirm && (textPlain(confirm.title, p.names) || undefined),
    'data-confirm-ok': confirm && (textPlain(confirm.confirm, p.names) || undefined),
    'data-confirm-deny': confirm && (textPlain(confirm.deny, p.names) || undefined),
    'aria-label': str(el.accessibility_label),
  };
  const href = safeHref(el.url);
  if (href) return linkHtml(href, label, `${attrs({ class: `bk-button${style}`, ...common, 'data-url': href })}`);
  return `<button type="button"${attrs({ class: `bk-button${style}`, ...common })}>${label}</button>`;
}

/** Images are shown as links to them (never loaded): the title, else the alt text. */
export function imageHtml(el: Obj, cls: string, names: Names): string {
  const alt = str(el.alt_text) ?? '';
  const label = textPlain(el.title, names) || alt || 'image';
  const href = safeHref(el.image_url);
  if (!href) return `<span class="${cls} bk-muted">image: ${escapeHtml(label)}</span>`;
  return linkHtml(href, `<span aria-hidden="true">🖼️</span> ${escapeHtml(label)}`, attrs({ class: cls, title: alt || undefined }));
}
