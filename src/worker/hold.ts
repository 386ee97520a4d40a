import { envOf } from '../core/review/env';
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { heldText } from '../core/freeze-text';
import { describeGate } from '../core/gate';
import { escapeMrkdwn, isSlackUser, suggestedCommand } from '../core/slack-format';
import { checkList, waitingForChecksText } from '../core/checks';
import { type Deploy, shortSha } from '../core/deploy';
import { formatDuration } from '../core/duration';
import type { ChecksOf } from '../services/checks';
import { envGate } from '../services/env-gate';
import type { DeployEventSink } from '../events/deploy-events';
import type { DeployJobData } from '../queue/names';
import type { Queues } from '../queue/queues';
import type { DeployStore } from '../store/deploys';
import type { FreezeStore } from '../store/freezes';

/** A freeze without an end is looked at again this often (an /unfreeze lets held deploys go at once). */
export const RECHECK_MS = 60 * 60_000;

export interface HoldDeps {
  config: FerryConfig;
  deploys: DeployStore;
  freezes: FreezeStore;
  queues: Queues;
  /** Told when what the deploy waits for changes, and when the gate ends it before it started. */
  events: DeployEventSink;
  log: Logger;
  now?: () => number;
  /** The SHA's required checks (`require_checks:`); undefined: no env requires any. */
  checks?: ChecksOf;
}

/** How many of the env's latest deploys are looked at for an earlier one still waiting for its checks. */
const EARLIER_LOOKED_AT = 50;

/** How often a deploy waiting for its required checks asks GitHub again (at most; a short checks_timeout asks more often). */
export const CHECKS_POLL_MS = 15_000;

/**
 * Before a queued deploy starts: if its env is frozen or outside its deploy window, the job goes
 * back to the queue (BullMQ's delayed set, in the order it was in line) until the freeze ends or
 * the window opens, the feed says why it waits, and its requester is told once. Throws BullMQ's
 * DelayedError in that case, which ends the job's turn without using an attempt.
 */
export async function holdIfBlocked(job: Job<DeployJobData>, token: string | undefined, d: HoldDeps): Promise<'go' | 'ended'> {
  const { deployId, app, env } = job.data;
  const deploy = await d.deploys.get(deployId);
  if (deploy?.status !== 'queued') return 'go'; // finished, cancelled or left running: runDeploy decides
  const skew = clockSkew(d.now);
  const decide = (now: number) => envGate(d, app, env, now, deploy.override);
  const now = Date.now() + skew;
  const decision = await decide(now);
  if (decision.kind === 'go') return holdForChecks(job, token, deploy, skew, d);
  // The feed keeps this text on screen, so it says when, not "in 2h"; the DM says both.
  const why = describeGate(decision, env, now, false);
  const until = decision.kind === 'window' ? decision.opensAt : (decision.retryAt ?? now + RECHECK_MS);
  const cause = decision.kind === 'window' ? `window-${decision.opensAt}` : `freeze-${decision.freeze.source}-${decision.freeze.since}`;
  if (await d.deploys.setWaiting(deployId, why)) {
    d.events.emit({ type: 'changed', deployId });
    // An automatic deploy for nobody in Slack (user `github`) is told about in the feed only.
    if (isSlackUser(deploy.user))
      await d.queues.dm(deploy.user, heldText(deployId, describeGate(decision, env, now)), `held-${deployId}-${cause}`);
  }
  d.log.info({ deployId, app, env, until, cause }, 'deploy held');
  // BullMQ's delays run on the wall clock; `until` is on Ferry's (the same, except in tests). The
  // delay ends exactly at `until`, however long the steps above took, so deploys held until the
  // same instant (a freeze's end, a window's opening) keep their order: BullMQ orders equal
  // instants as they were held, and held them in line order.
  await job.moveToDelayed(Math.max(until - skew, Date.now() + 1_000), token);
  // An /unfreeze that landed after the gate looked released the held deploys before this one was
  // among them: let it go now rather than at the next look (an hour away for a freeze with no end).
  if (decision.kind === 'frozen' && (await decide(Date.now() + skew)).kind === 'go') {
    await job.promote().catch(() => {}); // already released by someone else
  }
  throw new DelayedError();
}

/**
 * After the freeze and window gate: the SHA's required checks. Green (or overridden): go. Failed:
 * the deploy fails without starting, naming them. Pending: the job goes back to the delayed set
 * and asks again in a few seconds, the feed saying which checks it waits for, until they pass,
 * one fails, or `checks_timeout` (counted from its first wait) passes: then it fails naming them.
 */
async function holdForChecks(
  job: Job<DeployJobData>,
  token: string | undefined,
  deploy: Deploy,
  skew: number,
  d: HoldDeps,
): Promise<'go' | 'ended'> {
  const { deployId, app, env } = job.data;
  if (!d.checks || deploy.override || deploy.review?.action === 'teardown') return 'go';
  const envCfg = envOf(d.config.apps[app], env);
  if (!envCfg?.requireChecks) return 'go';
  const verdict = await d.checks(app, env, deploy.sha);
  const poll = Math.max(250, Math.min(CHECKS_POLL_MS, Math.floor(envCfg.checksTimeoutMs / 4)));
  if (!verdict || verdict.kind === 'green') {
    // An earlier deploy of the env still waiting for its checks goes first: a newer SHA must not
    // start now only to be replaced by the older one once its checks pass.
    const ahead = await earlierWaitingForChecks(deploy, d);
    if (ahead === undefined) return 'go';
    if (
      await d.deploys.setWaiting(
        deployId,
        `waiting behind deploy #${ahead}, whose checks are still running (deploys to ${escapeMrkdwn(env)} go in order)`,
      )
    ) {
      d.events.emit({ type: 'changed', deployId });
    }
    await job.moveToDelayed(Date.now() + poll, token);
    throw new DelayedError();
  }
  const now = Date.now() + skew;
  const how = suggestedCommand(`/deploy ${app} ${env} ${deploy.ref} override <reason>`);
  if (verdict.kind === 'failed')
    return failUnstarted(
      deploy,
      `checks failed on \`${shortSha(deploy.sha)}\`: ${checkList(verdict.failed)}; it did not start. ${how} deploys it anyway, if you may override`,
      now,
      d,
    );
  const since = await d.deploys.checksWaitSince(deployId, now);
  const left = since + envCfg.checksTimeoutMs - now;
  if (left <= 0) {
    const unknown = verdict.unknown ? ` (${escapeMrkdwn(verdict.unknown)})` : '';
    return failUnstarted(
      deploy,
      `checks still pending after ${formatDuration(envCfg.checksTimeoutMs)}: ${checkList(verdict.pending)}${unknown}; it did not start. ${how} deploys it anyway, if you may override`,
      now,
      d,
    );
  }
  if (await d.deploys.setWaiting(deployId, waitingForChecksText(verdict))) d.events.emit({ type: 'changed', deployId });
  d.log.info({ deployId, app, env, pending: verdict.pending.map((c) => c.name), unknown: verdict.unknown }, 'deploy waits for checks');
  await job.moveToDelayed(Date.now() + Math.min(poll, left), token);
  throw new DelayedError();
}

/**
 * The oldest deploy of the env accepted before this one that is still queued and waiting for its
 * checks, wherever its job is (held, being looked at by another worker, or in line). Read from the
 * deploy records (the env's recent history), not from the queue's delayed set alone.
 */
async function earlierWaitingForChecks(deploy: Deploy, d: HoldDeps): Promise<number | undefined> {
  const recent = await d.deploys.history(deploy.app, deploy.env, EARLIER_LOOKED_AT);
  const waiting = recent.filter((o) => o.id < deploy.id && o.status === 'queued' && o.checksWaitSince !== undefined && !o.override);
  return waiting.length ? Math.min(...waiting.map((o) => o.id)) : undefined;
}

async function failUnstarted(deploy: Deploy, error: string, now: number, d: HoldDeps): Promise<'go' | 'ended'> {
  if (!(await d.deploys.failQueued(deploy.id, error, now))) return 'go'; // cancelled or started meanwhile: runDeploy decides
  d.log.info({ deployId: deploy.id, error }, 'deploy failed before it started');
  // It leaves the line without running, and it is finished (a release shipping it opens again).
  const { id: deployId, app, env } = deploy;
  d.events.emit({ type: 'left-line', deployId, app, env });
  d.events.emit({ type: 'finished', deployId, app, env, followUps: true });
  return 'ended';
}

/**
 * Ferry's clock minus the wall clock, exact to the millisecond for a clock that runs at real speed
 * (both read within one wall-clock millisecond): 0 in production, the set offset in tests.
 */
function clockSkew(now: (() => number) | undefined): number {
  if (!now) return 0;
  for (;;) {
    const before = Date.now();
    const ferry = now();
    if (Date.now() === before) return ferry - before;
  }
}
