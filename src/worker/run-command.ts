import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { GUARD_SOURCE } from './guard';

export interface CommandResult {
  exitCode: number;
  timedOut: boolean;
  /** Stopped on purpose (worker shutdown or lost lease), with the reason given. */
  stoppedBecause?: string;
}

export interface CommandOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  graceMs: number;
  onLines: (lines: string[]) => void;
  /** Aborting stops the command (its whole process group) with the abort reason. */
  signal?: AbortSignal;
}

const MAX_LINE = 2_000;
const PIPE_DRAIN_MS = 2_000;

/**
 * Runs a deploy command without a shell, in its own process group under the guard, streaming its
 * output line by line. A timeout or an abort stops the group: SIGTERM, then SIGKILL after graceMs.
 */
export function runCommand(opts: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', GUARD_SOURCE, '--', String(opts.graceMs), ...opts.argv], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let timedOut = false;
    let stoppedBecause: string | undefined;
    // The guard stops the command's whole process group when asked over IPC.
    const stop = () => {
      if (child.connected) child.send('stop', () => {});
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = () => {
      stoppedBecause = String(opts.signal?.reason ?? 'stopped');
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    const splitter = () => {
      let rest = '';
      const decoder = new StringDecoder('utf8');
      return {
        push(chunk: Buffer) {
          const parts = (rest + decoder.write(chunk)).split('\n');
          rest = parts.pop() ?? '';
          if (rest.length > MAX_LINE) {
            parts.push(rest);
            rest = '';
          }
          if (parts.length) opts.onLines(parts.map(clipLine));
        },
        end() {
          if (rest) opts.onLines([clipLine(rest)]);
          rest = '';
        },
      };
    };
    const out = splitter();
    const err = splitter();
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    // Done when the guard exits (it has stopped what the command left behind by then); output
    // still in the pipes gets a moment to arrive, then the pipes are closed whatever holds them.
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        out.end();
        err.end();
        resolve({ exitCode: code ?? (sig ? 128 : 1), timedOut, ...(stoppedBecause !== undefined && { stoppedBecause }) });
      };
      const drain = setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        finish();
      }, PIPE_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drain);
        finish();
      });
    });
  });
}

const clipLine = (l: string): string => {
  const s = l.endsWith('\r') ? l.slice(0, -1) : l;
  return s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}… [line cut at ${MAX_LINE} characters]` : s;
};
