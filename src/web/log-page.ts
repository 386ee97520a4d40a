/**
 * The deploy log page's script (served as /assets/log-page.js). The page works without it: the
 * server renders the whole log. This adds what needs a live connection: new lines and status
 * changes arrive over server-sent events (GET /deploys/<id>/events), the view follows the end of
 * the log while the reader is there, and times are shown in the reader's own time zone.
 * Log text only ever goes into the page as textContent.
 */

type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What the `deploy` event carries (the server's DeployFacts). */
interface Facts {
  id: number;
  status: Status;
  attempt: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  error?: string;
  worker?: string;
}

interface LinesEvent {
  first: number;
  lines: string[];
}

const STATUSES: readonly Status[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const isFinished = (s: string | undefined): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';
const byId = (id: string): HTMLElement | null => document.getElementById(id);

/** 45s, 3m 20s, 2h 5m, 1d 4h: as the server writes durations. */
function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3_600) return s % 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s / 60}m`;
  const m = Math.round(s / 60);
  if (m < 24 * 60) return m % 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m / 60}h`;
  const h = Math.round(m / 60);
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h / 24}d`;
}

/** Shows every <time datetime> in the reader's time zone; the UTC form stays in the tooltip. */
function localiseTimes(root: ParentNode): void {
  for (const el of Array.from(root.querySelectorAll<HTMLTimeElement>('time[datetime]'))) {
    const d = new Date(el.dateTime);
    if (Number.isNaN(d.getTime())) continue;
    el.title = `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
    el.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }
}

function setTime(id: string, ms: number | undefined): void {
  const dd = byId(`f-${id}`);
  if (!dd) return;
  if (ms === undefined) {
    dd.textContent = '—';
    return;
  }
  const t = document.createElement('time');
  t.dateTime = new Date(ms).toISOString();
  dd.replaceChildren(t);
  localiseTimes(dd);
}

function setFact(id: string, text: string | undefined): void {
  const row = byId(`row-${id}`);
  const dd = byId(`f-${id}`);
  if (dd) dd.textContent = text ?? '';
  if (row) row.hidden = text === undefined || text === '';
}

/** True when the bottom of the page is in view (give or take a line), so new lines should follow. */
function atBottom(): boolean {
  const doc = document.documentElement;
  return window.innerHeight + window.scrollY >= doc.scrollHeight - 40;
}

function scrollToEnd(): void {
  window.scrollTo(0, document.documentElement.scrollHeight);
}

class LogView {
  private next: number;
  private status: Status;
  private facts?: Facts;
  private ticker: number | undefined;
  private readonly skewMs: number;
  private readonly log: HTMLElement;

  constructor(private readonly page: HTMLElement) {
    this.next = Number(page.dataset.next) || 1;
    this.status = (page.dataset.status as Status) ?? 'queued';
    this.log = byId('log')!;
    // Durations count on the server's clock, not a reader's skewed one.
    this.skewMs = Number(page.dataset.now) ? Number(page.dataset.now) - Date.now() : 0;
  }

  start(): void {
    if (isFinished(this.status)) {
      this.setLive('finished', 'Finished');
      return;
    }
    if (!location.hash) scrollToEnd();
    const es = new EventSource(`${this.page.dataset.events}&from=${this.next}`);
    es.addEventListener('open', () => this.setLive('live', 'Live'));
    es.addEventListener('lines', (e) => this.onLines(JSON.parse((e as MessageEvent<string>).data) as LinesEvent));
    es.addEventListener('deploy', (e) => this.onDeploy(JSON.parse((e as MessageEvent<string>).data) as Facts));
    es.addEventListener('end', () => {
      es.close();
      this.stopTicker();
      this.setLive('finished', 'Finished');
    });
    es.addEventListener('expired', () => {
      es.close();
      this.stopTicker();
      this.setLive('stopped', `Link expired: type /deploy log ${this.page.dataset.deploy} in Slack for a fresh one`);
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) this.setLive('stopped', 'Live updates stopped: reload the page');
      else this.setLive('reconnecting', 'Reconnecting…');
    });
  }

  private onLines(ev: LinesEvent): void {
    if (!Array.isArray(ev.lines) || ev.lines.length === 0) return;
    const follow = atBottom();
    const frag = document.createDocumentFragment();
    if (ev.first > this.next) frag.append(this.note(`… lines ${this.next}–${ev.first - 1} are no longer kept …`));
    for (const [i, text] of ev.lines.entries()) frag.append(this.line(ev.first + i, text));
    this.log.append(frag);
    this.next = ev.first + ev.lines.length;
    const empty = byId('log-empty');
    if (empty) empty.hidden = true;
    if (follow) scrollToEnd();
  }

  private line(n: number, text: string): HTMLElement {
    const el = document.createElement('span');
    el.className = 'l';
    el.id = `L${n}`;
    el.dataset.n = String(n);
    el.textContent = `${text}\n`;
    return el;
  }

  private note(text: string): HTMLElement {
    const el = document.createElement('span');
    el.className = 'l gap';
    el.textContent = `${text}\n`;
    return el;
  }

  private onDeploy(f: Facts): void {
    this.facts = f;
    if (STATUSES.includes(f.status)) {
      this.status = f.status;
      this.page.dataset.status = f.status;
      const badge = byId('status');
      if (badge) {
        badge.className = `badge badge-${f.status}`;
        badge.textContent = f.status;
      }
      document.title = document.title.replace(/· \w+ — /, `· ${f.status} — `);
    }
    setTime('started', f.startedAt);
    setTime('finished', f.finishedAt);
    setFact('attempt', f.attempt > 1 ? String(f.attempt) : undefined);
    setFact('worker', f.worker);
    setFact('exit', f.exitCode === undefined ? undefined : String(f.exitCode));
    setFact('error', f.error);
    this.showDuration();
    if (f.status === 'running' && f.finishedAt === undefined) this.startTicker();
    else this.stopTicker();
  }

  private showDuration(): void {
    const f = this.facts;
    const dd = byId('f-duration');
    if (!f || !dd) return;
    if (f.startedAt === undefined) dd.textContent = '—';
    else if (f.finishedAt !== undefined) dd.textContent = formatDuration(f.finishedAt - f.startedAt);
    else dd.textContent = `${formatDuration(Date.now() + this.skewMs - f.startedAt)} so far`;
  }

  private startTicker(): void {
    if (this.ticker === undefined) this.ticker = window.setInterval(() => this.showDuration(), 1_000);
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) window.clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private setLive(state: 'live' | 'reconnecting' | 'finished' | 'stopped', text: string): void {
    const el = byId('live');
    if (!el) return;
    el.hidden = false;
    el.className = `live live-${state}`;
    el.textContent = text;
  }
}

localiseTimes(document);
const page = byId('page');
if (page?.dataset.events) new LogView(page).start();
