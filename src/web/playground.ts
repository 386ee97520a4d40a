// The playground page: shows one person's view of the stand-in's workspace, live over
// server-sent events, and sends what they do (commands, clicks, modal submissions) to the
// stand-in, which passes them to Ferry as Slack would. Message bodies arrive rendered (Block Kit
// to HTML, escaped on the server); everything else is built with textContent.

import { formValues, messageEl, type PageMessage, type PageView, type Snapshot, showSubmitErrors, type Channel } from './playground-dom.js';

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
  box.replaceChildren(...list.map((m) => messageElement(m)));
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
  $('thread-messages').replaceChildren(messageElement(parent, true), ...replies.map((m) => messageElement(m, true)));
}

/** A message's element, with its reply count from the messages this page knows. */
function messageElement(m: PageMessage, inThread = false): HTMLElement {
  const replies = [...state.messages.values()].filter((r) => r.channel === m.channel && r.threadTs === m.ts && !r.deleted).length;
  return messageEl(m, replies, inThread);
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
  const values = formValues(form);
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  showSubmitErrors(form, await post('/ui/view-submit', { viewId: state.view.id, values }));
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
