import { DelayedError, type Job } from 'bullmq';
import pino from 'pino';
import type { FreezeState } from '../../src/core/gate';
import type { DeployJobData } from '../../src/queue/names';
import { type HoldDeps, holdIfBlocked } from '../../src/worker/hold';
import { oneApp } from './fixtures';

/** Ferry's clock in a test: a set offset from the wall clock, running at real speed. */
const OFFSET = 123_456_789;
const ferryNow = () => Date.now() + OFFSET;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * holdIfBlocked with stand-ins: `freezes` answers the env's freeze at each look in turn (the last
 * answer repeats); writing the "waiting" note takes `slowMs`, as a busy Redis might.
 */
function hold(freezes: (FreezeState | undefined)[], slowMs = 0) {
  const calls: string[] = [];
  let delayedUntil: number | undefined;
  const job = {
    data: { deployId: 7, app: 'web', env: 'staging' },
    moveToDelayed: async (at: number) => {
      calls.push('delayed');
      delayedUntil = at;
    },
    promote: async () => {
      calls.push('promoted');
    },
  } as unknown as Job<DeployJobData>;
  let look = 0;
  const d: HoldDeps = {
    config: oneApp(),
    deploys: {
      get: async () => ({ id: 7, app: 'web', env: 'staging', status: 'queued', user: 'U0ANA' }),
      setWaiting: async () => {
        await sleep(slowMs);
        return true;
      },
    } as unknown as HoldDeps['deploys'],
    freezes: { get: async () => freezes[Math.min(look++, freezes.length - 1)] } as unknown as HoldDeps['freezes'],
    queues: { dm: async () => {} } as unknown as HoldDeps['queues'],
    events: { emit: () => {} },
    log: pino({ level: 'silent' }),
    now: ferryNow,
  };
  return { run: () => holdIfBlocked(job, 'token', d), calls, delayedUntil: () => delayedUntil };
}

describe('holding a deploy its env is frozen for', () => {
  test('its delay ends exactly at the freeze end, however long holding it took, so deploys held until one end keep their order', async () => {
    const until = ferryNow() + 60_000;
    const freeze: FreezeState = { by: 'U0QA', reason: 'smoke tests', since: ferryNow(), until, source: 'manual' };
    const h = hold([freeze], 30);
    await expect(h.run()).rejects.toBeInstanceOf(DelayedError);
    expect(h.delayedUntil()).toBe(until - OFFSET);
    expect(h.calls).toEqual(['delayed']);
  });

  test('an /unfreeze that lands after the gate looked, before the job was delayed, lets it go now instead of an hour later', async () => {
    const freeze: FreezeState = { by: 'U0QA', reason: 'release testing', since: ferryNow(), source: 'manual' };
    const h = hold([freeze, undefined]);
    await expect(h.run()).rejects.toBeInstanceOf(DelayedError);
    expect(h.calls).toEqual(['delayed', 'promoted']);
  });
});
