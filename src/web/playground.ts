// The playground page: shows one person's view of the stand-in's workspace, live over
// server-sent events, and sends what they do (commands, clicks, modal submissions) to the
// stand-in, which passes them to Ferry as Slack would. Message bodies arrive rendered (Block Kit
// to HTML, escaped on the server); everything else is built with textContent.

interface Person {
  id: string;
  name: string;
  realName: string;
}
interface Channel {
  id: string;
  name: string;
  dmWith?: string;
}
interface PageMessage {
  id: string;
  channel: string;
  ts: string;
  threadTs?: string;
  author: string;
  authorName: string;
  bot: boolean;
  ephemeral: boolean;
  edited: boolean;
  deleted: boolean;
  html: string;
}
interface PageView {
  id: string;
  html: string;
}
interface Snapshot {
  me: string;
  people: Person[];
  channels: Channel[];
  feedChannel: string;
  commands: string[];
  messages: PageMessage[];
  views: PageView[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const state = {
  me: localStorage.getItem('ferry-playground-user') ?? '',
  channel: '',
  thread: '' as string,
  channels: [] as Channel[],
  messages: new Map<string, PageMessage>(),
  source: undefined as EventSource | undefined,
  view: undefined as PageView | undefined,
};

function connect(): void {
  state.source?.close();
  const q = state.me ? `?user=${encodeURIComponent(state.me)}` : '';
  const es = new EventSource(`/ui/events${q}`);
  state.source = es;
  es.addEventListener('open', () => setStatus('live'));
  es.addEventListener('error', () => setStatus('reconnecting…'));
  es.addEventListener('snapshot', (e) => onSnapshot(JSON.parse((e as MessageEvent<string>).data) as Snapshot));
  es.addEventListener('message', (e) => upsert(JSON.parse((e as MessageEvent<string>).data) as PageMessage));
  es.addEventListener('view', (e) => showView(JSON.parse((e as MessageEvent<string>).data) as PageView));
  es.addEventListener('view-closed', (e) => {
    const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: string };
    if (state.view?.id === id) hideView();
  });
}

function setStatus(text: string): void {
  const el = $('status');
  el.textContent = text;
  el.dataset.state = text === 'live' ? 'live' : 'down';
}

function onSnapshot(s: Snapshot): void {
  state.me = s.me;
  document.body.dataset.user = s.me;
  const select = $<HTMLSelectElement>('user');
  select.replaceChildren(...s.people.map((p) => option(p.id, `${p.realName} (@${p.name})`)));
  select.value = s.me;
  state.channels = s.channels;
  state.messages = new Map(s.messages.map((m) => [m.id, m]));
  $('commands').replaceChildren(...s.commands.map((c) => option(`${c} `, c)));
  const fromHash = location.hash.slice(1).split('/')[0];
  if (!state.channel || !s.channels.some((c) => c.id === state.channel)) {
    state.channel = s.channels.some((c) => c.id === fromHash) ? fromHash! : s.feedChannel;
  }
  state.thread = '';
  hideView();
  for (const v of s.views) showView(v);
  renderSidebar();
  renderConversation();
}

function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

function renderSidebar(): void {
  const item = (c: Channel) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#${c.id}`;
    a.textContent = c.dmWith ? 'Ferry' : `# ${c.name}`;
    a.dataset.channel = c.id;
    if (c.id === state.channel) a.setAttribute('aria-current', 'page');
    li.append(a);
    return li;
  };
  $('channels').replaceChildren(...state.channels.filter((c) => !c.dmWith).map(item));
  $('dms').replaceChildren(...state.channels.filter((c) => c.dmWith).map(item));
}

function channelName(id: string): string {
  const c = state.channels.find((x) => x.id === id);
  return !c ? id : c.dmWith ? 'Ferry (direct messages)' : `#${c.name}`;
}

function renderConversation(): void {
  $('title').textContent = channelName(state.channel);
  const list = [...state.messages.values()].filter((m) => m.channel === state.channel && !m.threadTs && !m.deleted);
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...list.map((m) => messageEl(m)));
  if (list.length === 0) box.append(emptyNote());
  if (atBottom) box.scrollTop = box.scrollHeight;
  renderThread();
  highlightFromHash();
}

function emptyNote(): HTMLElement {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = 'Nothing here yet.';
  return p;
}

function renderThread(): void {
  const pane = $('thread');
  const parent = [...state.messages.values()].find((m) => m.channel === state.channel && m.ts === state.thread && !m.threadTs);
  if (!state.thread || !parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const replies = [...state.messages.values()].filter((m) => m.channel === state.channel && m.threadTs === state.thread && !m.deleted);
  $('thread-messages').replaceChildren(messageEl(parent, true), ...replies.map((m) => messageEl(m, true)));
}

function messageEl(m: PageMessage, inThread = false): HTMLElement {
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
  const replies = [...state.messages.values()].filter((r) => r.channel === m.channel && r.threadTs === m.ts && !r.deleted).length;
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
function localiseDates(root: HTMLElement): void {
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

function upsert(m: PageMessage): void {
  state.messages.set(m.id, m);
  if (m.channel !== state.channel) {
    markUnread(m);
    return;
  }
  renderConversation();
}

function markUnread(m: PageMessage): void {
  if (m.deleted || m.edited) return;
  document.querySelector(`[data-channel="${CSS.escape(m.channel)}"]`)?.classList.add('unread');
}

function highlightFromHash(): void {
  const [, ts] = location.hash.slice(1).split('/');
  if (!ts) return;
  const el = document.querySelector<HTMLElement>(`#messages [data-ts="${CSS.escape(ts)}"]`);
  if (el && !el.classList.contains('highlight')) {
    el.classList.add('highlight');
    el.scrollIntoView({ block: 'center' });
  }
}

async function post(
  path: string,
  body: Record<string, unknown>,
): Promise<{ ok: boolean; error?: string; errors?: Record<string, string> }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: state.me, ...body }),
  });
  return (await res.json()) as { ok: boolean; error?: string };
}

async function send(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const input = $<HTMLInputElement>('text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  $('composer-error').textContent = '';
  const r = await post('/ui/command', { channel: state.channel, text });
  if (!r.ok && r.error) $('composer-error').textContent = r.error;
}

async function click(button: HTMLElement): Promise<void> {
  const msg = button.closest<HTMLElement>('[data-message-id]');
  if (!msg) return;
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  if (button instanceof HTMLButtonElement) button.disabled = true;
  try {
    await post('/ui/action', {
      messageId: msg.dataset.messageId,
      actionId: button.dataset.actionId,
      blockId: button.dataset.blockId,
      ...(button.dataset.value !== undefined && { value: button.dataset.value }),
    });
  } finally {
    if (button instanceof HTMLButtonElement) button.disabled = false;
  }
}

function showView(v: PageView): void {
  state.view = v;
  const root = $('modal');
  root.innerHTML = v.html; // rendered and escaped by the stand-in
  root.hidden = false;
  root.querySelector<HTMLElement>('input, textarea, select')?.focus();
}

function hideView(): void {
  state.view = undefined;
  const root = $('modal');
  root.hidden = true;
  root.replaceChildren();
}

async function submitView(form: HTMLFormElement): Promise<void> {
  if (!state.view) return;
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
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  const r = await post('/ui/view-submit', { viewId: state.view.id, values });
  if (r.errors) {
    for (const [blockId, message] of Object.entries(r.errors)) {
      const p = document.createElement('p');
      p.className = 'field-error';
      p.textContent = message;
      (form.querySelector(`[data-block-id="${CSS.escape(blockId)}"]`) ?? form).append(p);
    }
  } else if (!r.ok && r.error) {
    const p = document.createElement('p');
    p.className = 'field-error';
    p.textContent = r.error;
    form.append(p);
  }
}

function wire(): void {
  $('composer').addEventListener('submit', (e) => void send(e as SubmitEvent));
  $<HTMLSelectElement>('user').addEventListener('change', (e) => {
    state.me = (e.target as HTMLSelectElement).value;
    localStorage.setItem('ferry-playground-user', state.me);
    connect();
  });
  $('hide-tips').addEventListener('click', () => {
    $('tips').hidden = true;
    localStorage.setItem('ferry-playground-tips', 'hidden');
  });
  if (localStorage.getItem('ferry-playground-tips') === 'hidden') $('tips').hidden = true;
  $('close-thread').addEventListener('click', () => {
    state.thread = '';
    renderThread();
  });
  window.addEventListener('hashchange', () => {
    const id = location.hash.slice(1).split('/')[0];
    if (id && state.channels.some((c) => c.id === id)) {
      state.channel = id;
      state.thread = '';
      document.querySelector(`[data-channel="${CSS.escape(id)}"]`)?.classList.remove('unread');
      renderSidebar();
      renderConversation();
    }
  });
  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const button = target.closest<HTMLElement>('.bk-button[data-action-id]');
    if (button && !button.closest('form.bk-modal')) {
      if (!button.dataset.url) e.preventDefault();
      void click(button);
      return;
    }
    const open = target.closest<HTMLElement>('[data-open-thread]');
    if (open) {
      state.thread = open.dataset.openThread ?? '';
      renderThread();
      return;
    }
    if (target.closest('[data-close]') && state.view) {
      void post('/ui/view-close', { viewId: state.view.id });
      hideView();
    }
  });
  $('modal').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitView(e.target as HTMLFormElement);
  });
}

wire();
connect();
