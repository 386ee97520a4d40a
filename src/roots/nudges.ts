import { Nudges } from '../services/nudges';
import { People } from '../services/people';
import { NudgeStore } from '../store/nudges';
import type { Shared } from './shared';

/** Undeployed-change nudges (config `nudge:`), for the worker's timers; undefined when no app has a nudge. */
export function buildNudges(s: Shared): Nudges | undefined {
  const { config, log, redis, k, slack } = s;
  if (!config.appNames.some((a) => config.apps[a]!.nudge)) return undefined;
  return new Nudges({
    config,
    queues: s.queues,
    deploys: s.stores.deploys,
    sources: s.sources,
    people: new People({ people: config.people, slack, redis, k, log: log.child({ component: 'people' }) }),
    store: new NudgeStore(redis, k),
    slack: { chat: { postMessage: (a) => slack.chat.postMessage(a as never), update: (a) => slack.chat.update(a as never) } },
    log: log.child({ component: 'nudges' }),
    now: s.now,
  });
}
