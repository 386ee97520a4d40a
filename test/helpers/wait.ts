/**
 * Waits for a condition that an event will make true, checking it every time `check` is nudged
 * (fake servers nudge on every request they receive) and at a slow fallback pace for state that
 * changes elsewhere (Redis written by a worker process). Fails with `what` after `timeoutMs`.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  pollMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Resolves when `file` exists (written by a deploy command in another process), watching its folder. */
export function waitForFile(file: string, timeoutMs = 20_000): Promise<void> {
  const { existsSync, watch } = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  return new Promise((resolve, reject) => {
    const watcher = watch(path.dirname(file), () => check());
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${file}`)), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (existsSync(file)) done();
    };
    check();
  });
}

/**
 * Resolves with `list[n - 1]` once it is there: checked now and whenever a stand-in calls its
 * `listeners` (after it added to `list`).
 */
export function waitForNth<T>(list: readonly T[], listeners: Set<() => void>, n: number): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const item = list[n - 1];
      if (item === undefined) return;
      listeners.delete(check);
      resolve(item);
    };
    listeners.add(check);
    check();
  });
}
