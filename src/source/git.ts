import { execFile } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Something that runs a program to its end (argv, no shell): the worker's command supervisor, say. */
export type Exec = (argv: string[], o: { cwd?: string; env: Record<string, string>; timeoutMs: number }) => Promise<GitResult>;

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Runs git elsewhere than in this process (default: execFile here). */
  exec?: Exec;
}

/**
 * Runs git with an argument array (never a shell), returning its exit code and output.
 * `env` replaces the environment entirely (pass PATH and HOME from the config); git never prompts.
 */
export function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', ...opts.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };
  if (opts.exec)
    return opts.exec(['git', ...args], { ...(opts.cwd !== undefined && { cwd: opts.cwd }), env, timeoutMs: opts.timeoutMs ?? 120_000 });
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Like git(), but throws with git's own message when it fails. */
export async function gitOk(args: string[], opts: GitOptions = {}): Promise<string> {
  const r = await git(args, opts);
  if (r.code !== 0) throw new Error(`git ${args[0]} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}
