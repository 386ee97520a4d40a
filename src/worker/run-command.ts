import type { CommandSupervisor } from './supervisor';

export interface CommandResult {
  exitCode: number;
  timedOut: boolean;
  /** Stopped on purpose (worker shutdown, lost lease, cancel), or by the supervisor's death, with the reason. */
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

/**
 * Runs a deploy command through the worker's supervisor (no shell, a process group of its own),
 * streaming its output line by line. A timeout or an abort stops the group: SIGTERM, then SIGKILL
 * after graceMs. Resolves once nothing of the command is left running.
 */
export async function runCommand(supervisor: CommandSupervisor, opts: CommandOptions): Promise<CommandResult> {
  let timedOut = false;
  let stoppedBecause: string | undefined;
  const out = lineSplitter(opts.onLines);
  const err = lineSplitter(opts.onLines);
  const run = supervisor.run({
    argv: opts.argv,
    cwd: opts.cwd,
    env: opts.env,
    graceMs: opts.graceMs,
    onOutput: (s, d) => (s === 1 ? out : err).push(d),
  });
  const timer = setTimeout(() => {
    timedOut = true;
    run.stop();
  }, opts.timeoutMs);
  const onAbort = () => {
    stoppedBecause = String(opts.signal?.reason ?? 'stopped');
    run.stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    const exit = await run.done;
    out.end();
    err.end();
    if (exit.signal) opts.onLines([`ferry: command ended by ${exit.signal}`]);
    if (exit.error !== undefined) {
      opts.onLines([`ferry: ${exit.error}`]);
      stoppedBecause ??= exit.exitCode === 127 ? undefined : exit.error;
    }
    return { exitCode: exit.exitCode, timedOut, ...(stoppedBecause !== undefined && { stoppedBecause }) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** One stream's output (whole UTF-8 characters) to whole lines, each at most MAX_LINE characters. */
function lineSplitter(onLines: (lines: string[]) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk: string) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      if (rest.length > MAX_LINE) {
        parts.push(rest);
        rest = '';
      }
      if (parts.length) onLines(parts.map(clipLine));
    },
    end() {
      if (rest) onLines([clipLine(rest)]);
      rest = '';
    },
  };
}

const clipLine = (l: string): string => {
  const s = l.endsWith('\r') ? l.slice(0, -1) : l;
  return s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}… [line cut at ${MAX_LINE} characters]` : s;
};
