import { type ChildProcess, spawn } from 'node:child_process';

/** What one revision resolves to: its commit SHA, or undefined when the repository has no such commit. */
type Answer = { resolve: (sha: string | undefined) => void; reject: (err: Error) => void };

/** Revisions it answers: what refProblem() lets through, plus a suffix like ^{commit}. Nothing with a space or a newline. */
const SAFE = /^[A-Za-z0-9._/-]+\^\{commit\}$/;

/**
 * Resolves revisions in a local repository through one long-lived `git cat-file --batch-check`,
 * so a `/deploy` costs no process start (a fork of a large Node process blocks its event loop for
 * milliseconds). Answers come in the order asked. If git can't be started or dies, what is
 * pending fails and the next call starts it again; callers fall back to `git rev-parse`.
 */
export class RevisionResolver {
  private proc: ChildProcess | undefined;
  private readonly pending: Answer[] = [];
  private rest = '';

  constructor(
    private readonly repoPath: string,
    private readonly env: Record<string, string>,
  ) {}

  /** The commit `rev` (e.g. "main^{commit}") names, or undefined if none. Throws if git could not answer. */
  commit(rev: string): Promise<string | undefined> {
    if (!SAFE.test(rev)) return Promise.reject(new Error(`not a revision this resolver answers: ${rev}`));
    return new Promise((resolve, reject) => {
      const proc = this.process();
      this.pending.push({ resolve, reject });
      proc.stdin!.write(`${rev}\n`);
    });
  }

  close(): void {
    this.proc?.stdin?.end();
    this.proc = undefined;
  }

  private process(): ChildProcess {
    if (this.proc) return this.proc;
    const proc = spawn('git', ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      cwd: this.repoPath,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...this.env, GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.proc = proc;
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    const fail = (why: string) => {
      if (this.proc === proc) this.proc = undefined;
      this.rest = '';
      for (const a of this.pending.splice(0)) a.reject(new Error(why));
    };
    proc.on('error', (err) => fail(`git cat-file could not start: ${err.message}`));
    proc.on('exit', (code) => fail(`git cat-file ended (exit ${code})`));
    proc.stdin!.on('error', () => {}); // a dead process: 'exit' reports it
    // It must not keep a stopping process alive.
    proc.unref();
    (proc.stdin as { unref?: () => void } | null)?.unref?.();
    (proc.stdout as { unref?: () => void } | null)?.unref?.();
    return proc;
  }

  private onData(d: string): void {
    const lines = (this.rest + d).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      const a = this.pending.shift();
      if (!a) continue;
      const [name, type] = line.split(' ');
      a.resolve(type === 'commit' && /^[0-9a-f]{40,64}$/.test(name ?? '') ? name : undefined);
    }
  }
}
