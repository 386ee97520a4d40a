import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './harness';

/** One pino line of a Ferry process's log (the fields a test looks at). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it exited. */
  at: number;
}

/**
 * A real Ferry process (`node dist/src/bin/ferry.js <role>`), as production runs it, whose log a
 * test can wait on line by line. stop() kills it (SIGKILL) if a test left it running.
 */
export class FerryProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private readonly proc: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private stderr = '';

  constructor(role: 'app' | 'worker' | 'start', env: Record<string, string>, args: string[] = []) {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'dist/src/bin/ferry.js'), role, ...args], {
      env: { ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // 'close' (its output read to the end), with the time of 'exit'.
    let at = 0;
    this.proc.once('exit', () => (at = Date.now()));
    this.exited = new Promise((resolve) => this.proc.once('close', (code, signal) => resolve({ code, signal, at })));
    let rest = '';
    this.proc.stdout!.on('data', (c: Buffer) => {
      const parts = (rest + c.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) this.add(p);
    });
    this.proc.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  /** The first log line (from the start) that `pick` accepts; fails after `timeoutMs` or when the process exits first. */
  waitForLog(what: string, pick: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(pick);
        if (found) done(undefined, found);
      };
      const timer = setTimeout(() => done(new Error(`timed out waiting for the log line: ${what}\n${this.tail()}`)), timeoutMs);
      const done = (err?: Error, line?: LogLine) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(line!);
      };
      this.waiters.add(check);
      void this.exited.then(() => done(new Error(`the process exited before logging: ${what}\n${this.tail()}`)));
      check();
    });
  }

  /** Log messages at warn (40) and above, for assertions on what an operator is told. */
  warnings(): string[] {
    return this.lines.filter((l) => l.level >= 40).map((l) => l.msg);
  }

  /** The last lines of its output, for a failing test's message. */
  tail(n = 30): string {
    return [...this.lines.slice(-n).map((l) => JSON.stringify(l)), this.stderr.slice(-2_000)].join('\n');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }

  private add(raw: string): void {
    try {
      this.lines.push(JSON.parse(raw) as LogLine);
    } catch {
      this.lines.push({ level: 30, msg: raw });
    }
    for (const w of [...this.waiters]) w();
  }
}
