import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** How a supervised command ended. */
export interface CommandExit {
  exitCode: number;
  /** The signal that ended it, if one did (SIGKILL after an ignored SIGTERM, say). */
  signal?: string;
  /** Set when it could not start, or when the supervisor died under it (the worker then killed its group). */
  error?: string;
}

export interface SupervisedRun {
  /** Stops the command's whole process group: SIGTERM, then SIGKILL after its grace period. */
  stop(): void;
  /** Resolves once the command and everything it left in its group are gone. */
  readonly done: Promise<CommandExit>;
}

interface Pending {
  pid?: number;
  onOutput: (stream: 1 | 2, text: string) => void;
  resolve: (e: CommandExit) => void;
}

type FromSupervisor =
  | { t: 'started'; id: number; pid: number }
  | { t: 'out'; id: number; s: 1 | 2; d: string }
  | { t: 'exit'; id: number; code: number; signal: string | null; error?: string };

/** The supervisor's program: next to this file (src/ under the tests, dist/src/ when built). */
const PROGRAM = path.join(__dirname, 'supervisor-process.js');

/** How long the worker waits for a dead supervisor's command groups to be gone after SIGKILL. */
const KILL_WAIT_MS = 5_000;

/**
 * The worker's side of its command supervisor (supervisor-process.js): one long-lived process in
 * a session of its own that starts every deploy command, so a worker killed with its whole process
 * group still has its commands stopped, and a deploy costs one process start, not two.
 *
 * If the supervisor itself dies, the worker kills the groups of the commands it ran (SIGKILL) and
 * waits until they are gone before their deploys are reported, then starts a new supervisor for
 * the next command. Either side alone is enough to stop a command.
 */
export class CommandSupervisor {
  private proc: ChildProcess | undefined;
  private readonly runs = new Map<number, Pending>();
  private seq = 0;
  private closed = false;

  constructor(
    private readonly log: Logger,
    /** The supervisor's own environment (PATH to find programs); each command gets its own. */
    private readonly env: Record<string, string>,
  ) {
    if (!existsSync(PROGRAM)) throw new Error(`the command supervisor's program is missing at ${PROGRAM}; run npm run build`);
  }

  /** Runs argv (no shell) in `cwd` with exactly `env`, in a process group of its own; output goes to onOutput as it comes (stdout 1, stderr 2; whole UTF-8 characters). */
  run(o: {
    argv: string[];
    cwd: string;
    env: Record<string, string>;
    graceMs: number;
    onOutput: (stream: 1 | 2, text: string) => void;
  }): SupervisedRun {
    const id = ++this.seq;
    const done = new Promise<CommandExit>((resolve) => this.runs.set(id, { onOutput: o.onOutput, resolve }));
    const proc = this.process();
    proc.send({ t: 'run', id, argv: o.argv, cwd: o.cwd, env: o.env, graceMs: o.graceMs }, (err) => {
      if (err) this.log.warn({ err: err.message }, 'could not hand a command to the supervisor');
    });
    return {
      done,
      stop: () => {
        if (this.runs.has(id) && this.proc?.connected) this.proc.send({ t: 'stop', id }, () => {});
      },
    };
  }

  /**
   * Runs a short command (git) to its end and returns its exit code and output, as execFile does;
   * after `timeoutMs` its group is stopped (SIGTERM, SIGKILL a second later). Started by the
   * supervisor, so this process never forks, and it is stopped if this worker dies.
   */
  async exec(
    argv: string[],
    o: { cwd?: string; env: Record<string, string>; timeoutMs: number },
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const run = this.run({
      argv,
      cwd: o.cwd ?? process.cwd(),
      env: o.env,
      graceMs: 1_000,
      onOutput: (s, d) => (s === 1 ? out : err).push(d),
    });
    const timer = setTimeout(() => run.stop(), o.timeoutMs);
    try {
      const exit = await run.done;
      if (exit.error !== undefined && exit.exitCode === 127) throw new Error(exit.error);
      return { code: exit.exitCode, stdout: out.join(''), stderr: err.join('') + (exit.error ? `\n${exit.error}` : '') };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lets the supervisor go (it exits once no command of this worker runs; none should by now). */
  close(): void {
    this.closed = true;
    if (this.proc?.connected) this.proc.disconnect();
  }

  private process(): ChildProcess {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null && this.proc.connected) return this.proc;
    if (this.closed) throw new Error('the worker is stopping; no new commands');
    // detached: a session and process group of its own, out of reach of a kill of the worker's group.
    const proc = spawn(process.execPath, [PROGRAM], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: this.env,
      serialization: 'json',
    });
    proc.on('message', (m: FromSupervisor) => this.onMessage(m));
    proc.on('exit', (code, signal) => this.onExit(proc, code, signal));
    proc.on('error', (err) => this.log.error({ err: err.message }, 'the command supervisor failed'));
    // Neither the process nor its channel keeps this worker alive; stop() and close() end it.
    proc.unref();
    (proc.channel as { unref?: () => void } | undefined)?.unref?.();
    this.proc = proc;
    this.log.info({ pid: proc.pid }, 'command supervisor started');
    return proc;
  }

  private onMessage(m: FromSupervisor): void {
    const r = this.runs.get(m.id);
    if (!r) return;
    if (m.t === 'started') r.pid = m.pid;
    else if (m.t === 'out') r.onOutput(m.s, m.d);
    else if (m.t === 'exit') {
      this.runs.delete(m.id);
      r.resolve({ exitCode: m.code, ...(m.signal && { signal: m.signal }), ...(m.error !== undefined && { error: m.error }) });
    }
  }

  /** The supervisor died: nobody else will stop its commands, so the worker does, and waits until they are gone. */
  private onExit(proc: ChildProcess, code: number | null, signal: string | null): void {
    if (this.proc !== proc) return;
    this.proc = undefined;
    if (this.runs.size === 0 && this.closed) return;
    this.log.error({ code, signal, running: this.runs.size }, 'the command supervisor stopped; killing the commands it ran');
    const orphans = [...this.runs.entries()];
    this.runs.clear();
    for (const [, r] of orphans) {
      const pid = r.pid;
      void killGroup(pid).then(() =>
        r.resolve({
          exitCode: 137,
          signal: 'SIGKILL',
          error: "Ferry's command supervisor stopped unexpectedly, so the command was killed",
        }),
      );
    }
  }
}

/** SIGKILL to a process group, then resolves once none of it is left (or after KILL_WAIT_MS). */
async function killGroup(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  signal('SIGKILL');
  const until = Date.now() + KILL_WAIT_MS;
  while (signal(0) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}
