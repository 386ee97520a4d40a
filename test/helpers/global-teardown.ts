import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const proc = (globalThis as Record<string, unknown>).__FERRY_REDIS__ as ChildProcess | undefined;
  proc?.kill('SIGTERM');
}
