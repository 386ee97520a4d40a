// The playground page's pieces that need no page state: what the stand-in sends, a message's
// element, and a modal's form values and errors. Everything from outside is set with textContent,
// except message and view bodies, which the stand-in rendered and escaped (render/blocks.ts).

import type { PageMessage } from './page-types';

export type { Channel, PageMessage, PageView, Person, Snapshot } from './page-types';

/** One message: author, time, tags, its body (rendered and escaped by the stand-in), and its reply count. */
export function messageEl(m: PageMessage, replies: number, inThread = false): HTMLElement {
  const el = document.createElement('article');
  el.className = `msg${m.ephemeral ? ' ephemeral' : ''}${m.bot ? ' bot' : ''}`;
  el.dataset.messageId = m.id;
  el.dataset.ts = m.ts;
  const head = document.createElement('header');
  const who = document.createElement('strong');
  who.textContent = m.authorName;
  const when = document.createElement('time');
  when.dateTime = new Date(Number(m.ts) * 1000).toISOString();
  when.textContent = new Date(Number(m.ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  head.append(who, when);
  if (m.bot && m.author !== 'USLACKBOT') head.append(tag('APP'));
  if (m.edited) head.append(tag('edited'));
  if (m.ephemeral) head.append(tag('Only visible to you'));
  const body = document.createElement('div');
  body.className = 'body';
  body.innerHTML = m.html; // rendered and escaped by the stand-in (render/blocks.ts)
  localiseDates(body);
  el.append(head, body);
  if (!inThread && replies > 0) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link replies';
    b.dataset.openThread = m.ts;
    b.textContent = `${replies} ${replies === 1 ? 'reply' : 'replies'}`;
    el.append(b);
  }
  return el;
}

function tag(text: string): HTMLElement {
  const s = document.createElement('span');
  s.className = 'tag';
  s.textContent = text;
  return s;
}

/** Slack's <!date^…> tokens arrive as <time datetime> with the server's fallback text. */
export function localiseDates(root: HTMLElement): void {
  for (const t of root.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const d = new Date(t.dateTime);
    if (Number.isNaN(d.getTime())) continue;
    const sameDay = d.toDateString() === new Date().toDateString();
    t.textContent = sameDay
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    t.title = d.toString();
  }
}

/** A modal's values by input name, as Slack's view_submission carries them. */
export function formValues(form: HTMLFormElement): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('[name]')) {
    if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
      if (!el.checked) continue;
      const prev = values[el.name];
      values[el.name] = el.type === 'checkbox' ? [...(Array.isArray(prev) ? prev : []), el.value] : el.value;
    } else if (el instanceof HTMLSelectElement && el.multiple) {
      values[el.name] = [...el.selectedOptions].map((o) => o.value);
    } else values[el.name] = el.value;
  }
  return values;
}

/** A submission's errors: under their blocks, or the whole form's at its end. */
export function showSubmitErrors(form: HTMLFormElement, r: { ok: boolean; error?: string; errors?: Record<string, string> }): void {
  const say = (message: string, where: Element) => {
    const p = document.createElement('p');
    p.className = 'field-error';
    p.textContent = message;
    where.append(p);
  };
  if (r.errors) {
    for (const [blockId, message] of Object.entries(r.errors))
      say(message, form.querySelector(`[data-block-id="${CSS.escape(blockId)}"]`) ?? form);
  } else if (!r.ok && r.error) say(r.error, form);
}
