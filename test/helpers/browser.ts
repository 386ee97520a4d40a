import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from './harness';

export const CHROMIUM = '/usr/bin/chromium';
/** Where browser tests leave screenshots (not committed): .ferry/artifacts/. */
export const ARTIFACTS = path.join(ROOT, '.ferry/artifacts');

/**
 * Debian's chromium, headless. The flags keep it from calling out to Google's services, which this
 * machine's closed network refuses (and which tests must not touch anyway).
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: npm test installs Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

export interface RunningPlayground {
  url: string;
  dir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `node dist/src/playground/main.js` as `npm run playground` runs it, on free ports and a temp folder. */
export async function startPlayground(): Promise<RunningPlayground> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-playground-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/playground/main.js')], {
    env: {
      PATH: process.env.PATH!,
      HOME: dir,
      PLAYGROUND_PORT: '0',
      PLAYGROUND_DIR: dir,
      REDIS_URL: process.env.FERRY_TEST_REDIS_URL!,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`the playground exited (${code}) before it was ready:\n${out}`)));
  });
  return {
    url,
    dir,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
