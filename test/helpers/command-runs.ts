import { readdirSync, readFileSync } from 'node:fs';
import type { PostedMessage } from './fake-slack';

/**
 * Deploy commands that are hard to stop, and a watch over their processes, for the worker-kill
 * tests (test/e2e/orphans.test.ts) and the kill stress (bench/kill-stress.ts).
 *
 * The command (stubbornScript) ignores SIGTERM and starts children of its own that ignore it too:
 * a `sleep`, and a subshell with a `sleep` of its own (a grandchild). It appends to a record file:
 *   start <env> <deploy id> <run pid> <ns>    when it starts (date +%s%N)
 *   pid <run pid> <pid>                       itself and each process it started
 *   ready <run pid> <count>                   once it has started them all (count = pid lines due)
 *   end <env> <deploy id> <run pid> <ns>      when it ends by itself (a killed command never writes it)
 * "run pid" is the script's own pid ($$): it tells apart the attempts of one deploy.
 *
 * CommandWatch reads that file and samples every recorded process in /proc every few ms, noting
 * the last time each was seen alive and the first time it was seen gone. /proc, not kill(pid, 0):
 * a killed process reparented to a pid 1 that reaps late is a zombie for a while (kill(pid, 0)
 * still succeeds), and a pid reused by a new process must not count as the old one.
 */

/** Processes a stubbornScript run starts, itself included. */
export const STUBBORN_PROCESSES = 4;

/**
 * A bash deploy command that ignores SIGTERM and starts children that ignore it too, recording
 * itself in `record` (see above). It runs `firstSeconds` on its first run when `marker` is given
 * (the first run makes the marker directory), `seconds` otherwise; both are bash words, so
 * `4.$((RANDOM % 10))` picks a random length.
 */
export function stubbornScript(o: { record: string; seconds: string; firstSeconds?: string; marker?: string }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const length =
    o.marker && o.firstSeconds
      ? `if mkdir ${q(o.marker)} 2>/dev/null; then secs=${o.firstSeconds}; else secs=${o.seconds}; fi`
      : `secs=${o.seconds}`;
  return `trap '' TERM
rec=${q(o.record)}
echo "start $FERRY_ENV $FERRY_DEPLOY_ID $$ $(date +%s%N)" >> "$rec"
echo "pid $$ $$" >> "$rec"
${length}
sleep "$secs" &
echo "pid $$ $!" >> "$rec"
( trap '' TERM; sleep "$secs" & echo "pid $$ $!" >> "$rec"; wait ) &
echo "pid $$ $!" >> "$rec"
echo "ready $$ ${STUBBORN_PROCESSES}" >> "$rec"
wait
echo "end $FERRY_ENV $FERRY_DEPLOY_ID $$ $(date +%s%N)" >> "$rec"`;
}

export interface TrackedProcess {
  pid: number;
  /** Its name in /proc (bash, sleep). */
  comm: string;
  /** /proc/<pid>/stat starttime: a later process with the same pid is another one. */
  startTicks?: string;
  /** The last sample (ms, wall clock, taken just before looking) that found it alive. */
  lastSeenAlive?: number;
  /** The first sample that found it gone (or a zombie). */
  goneAt?: number;
}

export interface CommandRun {
  env: string;
  deployId: number;
  /** The script's pid; names the run. */
  runPid: number;
  /** When the command started and ended, as it recorded them (ms, wall clock, µs precision). */
  startMs: number;
  endMs?: number;
  /** How many processes it announced (ready line); undefined until it is ready. */
  expected?: number;
  procs: Map<number, TrackedProcess>;
}

interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTicks: string;
  comm: string;
}

/** /proc/<pid>/stat, or undefined when there is no such process. */
export function procStat(pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = raw.lastIndexOf(')');
  const f = raw.slice(close + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), startTicks: f[19]!, comm: raw.slice(raw.indexOf('(') + 1, close) };
}

/** Alive: there is a process with that pid, not a zombie, and (when known) the same one; its stat then. */
function aliveNow(p: { pid: number; startTicks?: string }): ProcStat | undefined {
  const s = procStat(p.pid);
  return s && s.state !== 'Z' && s.state !== 'X' && (p.startTicks === undefined || s.startTicks === p.startTicks) ? s : undefined;
}

/** Every live process below `root` in the process tree right now (not root itself), by pid. */
export function descendants(root: number): TrackedProcess[] {
  const children = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (!s || s.state === 'Z') continue;
    stats.set(Number(name), s);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out: TrackedProcess[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    const s = stats.get(pid)!;
    out.push({ pid, comm: s.comm, startTicks: s.startTicks, lastSeenAlive: Date.now() });
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Watches the runs of stubbornScript commands recorded in one file. */
export class CommandWatch {
  private readonly byPid = new Map<number, CommandRun>();
  private consumed = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();
  private notifying = false;
  /** Processes watched besides the commands' own (e.g. what a killed worker left), keyed by pid. */
  private readonly extra = new Map<number, TrackedProcess>();

  constructor(
    private readonly record: string,
    pollMs = 15,
  ) {
    this.timer = setInterval(() => this.tick(), pollMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Every run recorded so far, in the order they started. */
  runs(): CommandRun[] {
    this.tick();
    return this.sorted();
  }

  private sorted(): CommandRun[] {
    return [...this.byPid.values()].sort((a, b) => a.startMs - b.startMs);
  }

  /** Resolves with the first run matching `pick` that has started all its processes. */
  waitForRun(what: string, pick: (r: CommandRun) => boolean, timeoutMs = 30_000): Promise<CommandRun> {
    return this.until(what, () => this.sorted().find((r) => pick(r) && r.expected !== undefined && r.procs.size >= r.expected), timeoutMs);
  }

  /** Resolves once every process of `run` is gone, or at `deadline` (ms, wall clock) with those still alive. */
  async waitGone(run: CommandRun, deadline: number): Promise<{ goneAt?: number; alive: TrackedProcess[] }> {
    return this.waitAllGone([...run.procs.values()], deadline);
  }

  /** Like waitGone for any processes (they are sampled with the commands' from now on). */
  async waitAllGone(procs: TrackedProcess[], deadline: number): Promise<{ goneAt?: number; alive: TrackedProcess[] }> {
    for (const p of procs) if (!this.isTracked(p)) this.extra.set(p.pid, p);
    const allGone = () => procs.every((p) => p.goneAt !== undefined);
    const left = Math.max(0, deadline - Date.now());
    try {
      await this.until('gone', () => allGone(), left);
      return { goneAt: Math.max(...procs.map((p) => p.goneAt!)), alive: [] };
    } catch {
      return { alive: procs.filter((p) => p.goneAt === undefined) };
    }
  }

  /**
   * The last moment the run is known to have been running: its recorded end, or the last sample
   * that saw one of its processes alive; Infinity while one still is. A later run that started
   * before this instant provably overlapped it.
   */
  lastAlive(run: CommandRun): number {
    this.tick();
    let t = run.endMs ?? run.startMs;
    for (const p of run.procs.values()) {
      if (p.goneAt === undefined) return Infinity;
      t = Math.max(t, p.lastSeenAlive ?? t);
    }
    return t;
  }

  /** SIGKILLs every watched process still alive (the same process, never a reused pid). */
  killLeftovers(): TrackedProcess[] {
    this.tick();
    const left = [...this.byPid.values()]
      .flatMap((r) => [...r.procs.values()])
      .concat([...this.extra.values()])
      .filter((p) => p.goneAt === undefined && aliveNow(p));
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return left;
  }

  private isTracked(p: TrackedProcess): boolean {
    return this.extra.has(p.pid) || [...this.byPid.values()].some((r) => r.procs.get(p.pid) === p);
  }

  private until<T>(what: string, pick: () => T | undefined | false, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pick();
        if (v === undefined || v === false) return;
        done();
        resolve(v);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Reads new record lines, samples every process not yet gone, then re-checks what is awaited. */
  private tick(): void {
    this.readRecord();
    for (const r of this.byPid.values()) for (const p of r.procs.values()) sample(p);
    for (const p of this.extra.values()) sample(p);
    if (this.notifying) return;
    this.notifying = true;
    try {
      for (const l of [...this.listeners]) l();
    } finally {
      this.notifying = false;
    }
  }

  private readRecord(): void {
    let text: string;
    try {
      text = readFileSync(this.record, 'utf8');
    } catch {
      return;
    }
    const upTo = text.lastIndexOf('\n') + 1;
    if (upTo <= this.consumed) return;
    const lines = text.slice(this.consumed, upTo).split('\n').filter(Boolean);
    this.consumed = upTo;
    for (const line of lines) {
      const f = line.split(' ');
      if (f[0] === 'start' || f[0] === 'end') {
        const runPid = Number(f[3]);
        const at = Number(BigInt(f[4]!) / 1000n) / 1000;
        if (f[0] === 'start') this.byPid.set(runPid, { env: f[1]!, deployId: Number(f[2]), runPid, startMs: at, procs: new Map() });
        else if (this.byPid.has(runPid)) this.byPid.get(runPid)!.endMs = at;
      } else if (f[0] === 'pid') {
        const run = this.byPid.get(Number(f[1]));
        const pid = Number(f[2]);
        if (!run || run.procs.has(pid)) continue;
        const t = Date.now();
        const s = procStat(pid);
        const p: TrackedProcess = { pid, comm: s?.comm ?? '?' };
        if (s && s.state !== 'Z' && s.state !== 'X') {
          p.startTicks = s.startTicks;
          p.lastSeenAlive = t;
        } else p.goneAt = t;
        run.procs.set(pid, p);
      } else if (f[0] === 'ready') {
        const run = this.byPid.get(Number(f[1]));
        if (run) run.expected = Number(f[2]);
      }
    }
  }
}

function sample(p: TrackedProcess): void {
  if (p.goneAt !== undefined) return;
  const t = Date.now();
  const s = aliveNow(p);
  if (s) {
    p.lastSeenAlive = t;
    p.comm = s.comm; // a forked subshell becomes `sleep` when it execs
  } else p.goneAt = t;
}

export const describeProcs = (ps: TrackedProcess[], since: number): string =>
  ps
    .map(
      (p) =>
        `pid ${p.pid} (${p.comm})${p.lastSeenAlive !== undefined ? `, seen alive ${((p.lastSeenAlive - since) / 1000).toFixed(2)} s after` : ''}`,
    )
    .join('; ');

/**
 * Pairs of runs of one env that provably ran at the same time: the later one started before the
 * last moment the earlier one was known to run (its recorded end, or the last time one of its
 * processes was seen alive). Each is described in words (times relative to `t0`).
 */
export function overlaps(
  watch: CommandWatch,
  runs: CommandRun[],
  t0 = runs[0]?.startMs ?? 0,
): { earlier: CommandRun; later: CommandRun; text: string }[] {
  const out: { earlier: CommandRun; later: CommandRun; text: string }[] = [];
  const s = (ms: number) => (ms === Infinity ? 'now (still running)' : `+${((ms - t0) / 1000).toFixed(2)} s`);
  for (const [i, a] of runs.entries()) {
    const until = watch.lastAlive(a);
    for (const b of runs.slice(i + 1)) {
      if (b.env !== a.env || b.startMs >= until) continue;
      const what =
        b.deployId === a.deployId
          ? `a later attempt of deploy #${a.deployId} (command pid ${b.runPid})`
          : `deploy #${b.deployId} (command pid ${b.runPid})`;
      out.push({
        earlier: a,
        later: b,
        text: `${a.env}: ${what} started at ${s(b.startMs)} while deploy #${a.deployId}'s command (pid ${a.runPid}, started ${s(a.startMs)}) was still running at ${s(until)}`,
      });
    }
  }
  return out;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The status word of one version of a deploy's feed message ("Deploy #3 · web to staging: failed after 2s"). */
export function feedStatus(text: string): string {
  return /Deploy #\d+ · [^:]*: (\w+)/.exec(text)?.[1] ?? '?';
}

/**
 * The final state a deploy's feed message reached, when it reached exactly one and kept it (every
 * version after the first final one says the same); otherwise what its versions said, in order.
 */
export function finalState(m: PostedMessage | undefined): string {
  if (!m) return 'no feed message';
  const states = m.versions.map((v) => feedStatus(v.text));
  const first = states.findIndex((s) => FINAL.has(s));
  const trail = states.filter((s, i) => i === 0 || s !== states[i - 1]).join(' -> ');
  if (first < 0) return `never final (${trail})`;
  if (states.slice(first).some((s) => s !== states[first])) return `changed after ${states[first]} (${trail})`;
  return states[first]!;
}

export const isFinal = (m: PostedMessage | undefined): boolean => !!m && m.versions.some((v) => FINAL.has(feedStatus(v.text)));
