import pino from 'pino';
import type { Deploy } from '../../src/core/deploy';
import { DeployEvents } from '../../src/events/deploy-events';
import { feedFollowsDeploys } from '../../src/events/subscribers/feed';
import { followUpsAfterDeploys } from '../../src/events/subscribers/follow-ups';
import { githubMirrorsDeploys } from '../../src/events/subscribers/github-mirror';
import { afterDeploy } from '../../src/services/after-deploy';

const silent = pino({ level: 'silent' });

/** A bus with the feed and the after-deploy follow-up subscribed, recording what they were asked to do. */
function wired(): { events: DeployEvents; calls: string[] } {
  const calls: string[] = [];
  const events = new DeployEvents(silent);
  feedFollowsDeploys(events, {
    refresh: async (id) => void calls.push(`refresh #${id}`),
    refreshWaiting: async (app, env, which) => void calls.push(`refresh line ${app}/${env} ${which}`),
    postFailureLog: async (id) => void calls.push(`failure log #${id}`),
  });
  followUpsAfterDeploys(events, async (id) => void calls.push(`after-deploy job #${id}`));
  return { events, calls };
}

describe('what follows a deploy event', () => {
  test('a new or changed deploy: its feed message is brought up to date, nothing else', async () => {
    const { events, calls } = wired();
    events.emit({ type: 'accepted', deployId: 1, app: 'web', env: 'dev' });
    events.emit({ type: 'changed', deployId: 2 });
    await events.drain();
    expect(calls.sort()).toEqual(['refresh #1', 'refresh #2']);
  });

  test('a started deploy: its message, and the new first in line behind it', async () => {
    const { events, calls } = wired();
    events.emit({ type: 'started', deployId: 3, app: 'web', env: 'dev' });
    await events.drain();
    expect(calls.sort()).toEqual(['refresh #3', 'refresh line web/dev next']);
  });

  test('a deploy that left the line from the middle: its message, and the front of the line', async () => {
    const { events, calls } = wired();
    events.emit({ type: 'left-line', deployId: 4, app: 'web', env: 'dev' });
    await events.drain();
    expect(calls.sort()).toEqual(['refresh #4', 'refresh line web/dev front']);
  });

  test('a finished deploy: its outcome (and failure log) in the feed; the after-deploy job only when something may follow', async () => {
    const { events, calls } = wired();
    events.emit({ type: 'finished', deployId: 5, app: 'web', env: 'dev', followUps: true });
    events.emit({ type: 'finished', deployId: 6, app: 'web', env: 'dev', followUps: false });
    await events.drain();
    expect(calls.sort()).toEqual(['after-deploy job #5', 'failure log #5', 'failure log #6']);
  });

  test('a subscriber that fails is logged and does not stop the others', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const events = new DeployEvents(log);
    const done: number[] = [];
    events.on('changed', 'feed update', async () => {
      throw new Error('Slack said no');
    });
    events.on('changed', 'GitHub deployment', async (e) => void done.push(e.deployId));
    events.emit({ type: 'changed', deployId: 7 });
    expect(events.pending).toBe(2);
    await events.drain();
    expect(done).toEqual([7]);
    expect(events.pending).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ deployId: 7, event: 'changed', err: 'Slack said no', msg: 'feed update failed' });
  });

  test('GitHub Deployments mirror every event with the record as it is then', async () => {
    const events = new DeployEvents(silent);
    const mirrored: string[] = [];
    const records: Record<number, Partial<Deploy>> = { 8: { id: 8, status: 'running' } };
    githubMirrorsDeploys(events, {
      get: async (id) => records[id] as Deploy | undefined,
      mirror: async (dep) => void mirrored.push(`#${dep.id} ${dep.status}`),
    });
    events.emit({ type: 'started', deployId: 8, app: 'web', env: 'dev' });
    events.emit({ type: 'changed', deployId: 9 }); // no such record: nothing to mirror
    await events.drain();
    expect(mirrored).toEqual(['#8 running']);
  });
});

describe('the after-deploy job', () => {
  const dep = { id: 10, app: 'web', env: 'dev', status: 'succeeded' } as Deploy;

  test('runs every step in order even when one fails, then throws the first failure (the job is retried)', async () => {
    const ran: string[] = [];
    const job = afterDeploy({
      get: async () => dep,
      steps: [
        { what: 'releases', run: async () => void ran.push('releases') },
        {
          what: 'smoke failure',
          run: async () => {
            ran.push('smoke failure');
            throw new Error('Slack down');
          },
        },
        { what: 'promotion', run: async () => void ran.push('promotion') },
      ],
      log: silent,
    });
    await expect(job(10)).rejects.toThrow('Slack down');
    expect(ran).toEqual(['releases', 'smoke failure', 'promotion']);
  });

  test('a deploy that is gone: nothing to do', async () => {
    const ran: string[] = [];
    const job = afterDeploy({
      get: async () => undefined,
      steps: [{ what: 'releases', run: async () => void ran.push('x') }],
      log: silent,
    });
    await job(11);
    expect(ran).toEqual([]);
  });
});
