/** What `/rollback` puts back on an env, and how a rollback reads. Pure: no I/O. */
import { type Deploy, shortSha } from './deploy';
import { escapeMrkdwn, slackTime } from './slack-format';

/** What the person named after the env. */
export type RollbackArg =
  | { kind: 'previous' }
  /** `#41`: `deploy` is that deploy's record (undefined when there is none), wherever it went. */
  | { kind: 'deploy'; id: number; deploy: Deploy | undefined }
  /** A commit, already resolved to its full SHA through the app's CommitSource. */
  | { kind: 'sha'; sha: string };

export type RollbackChoice =
  | {
      sha: string;
      /** The deploy whose SHA comes back, when there is one. */
      fromDeploy?: number;
      /** Recorded as the rollback's ref (FERRY_REF): that deploy's ref, or the short SHA. */
      ref: string;
    }
  | { error: string };

/**
 * Chooses the SHA a rollback deploys.
 * - no argument: the newest succeeded deploy in `history` (newest first) whose SHA is not the one
 *   running now (`currentSha`, from the env's state);
 * - a deploy: its SHA, if it was a deploy of this app and env that succeeded;
 * - a SHA: that commit (the newest succeeded deploy of it, if any, is named as where it comes from).
 * Refuses, with what to do instead, when nothing was deployed yet, nothing earlier succeeded, the
 * named deploy can't be put back, or the SHA is what runs already.
 */
export function chooseRollback(
  history: readonly Deploy[],
  currentSha: string | undefined,
  arg: RollbackArg,
  at: { app: string; env: string },
): RollbackChoice {
  const where = `\`${at.app}\` *${at.env}*`;
  const nameIt = `To put back another commit, name it: \`/rollback ${at.app} ${at.env} &lt;sha&gt;\`.`;
  const succeeded = history.filter((d) => d.status === 'succeeded' && d.app === at.app && d.env === at.env);
  if (!currentSha && succeeded.length === 0) {
    return {
      error: `Nothing has been deployed to ${where} yet, so there is nothing to roll back. \`/deploy ${at.app} ${at.env} &lt;ref&gt;\` deploys something.`,
    };
  }
  switch (arg.kind) {
    case 'previous': {
      const same: Deploy[] = [];
      for (const d of succeeded) {
        if (d.sha === currentSha) same.push(d);
        else return { sha: d.sha, fromDeploy: d.id, ref: d.ref };
      }
      const running = `\`${shortSha(currentSha ?? '')}\``;
      if (same.length === 0) {
        return { error: `${where} runs ${running}, but I know of no earlier successful deploy there to roll back to. ${nameIt}` };
      }
      if (same.length === 1) {
        return {
          error: `#${same[0]!.id} deployed ${running}, which runs on ${where} now, and nothing older succeeded there; there is nothing earlier to roll back to. ${nameIt}`,
        };
      }
      return {
        error: `${idList(same)} are the same SHA (${running}, which runs on ${where} now); nothing older succeeded there, so there is nothing earlier to roll back to. ${nameIt}`,
      };
    }
    case 'deploy': {
      const d = arg.deploy;
      if (!d) return { error: `There is no deploy #${arg.id}. The ids are in the deploy feed (Deploy #41).` };
      if (d.app !== at.app || d.env !== at.env) {
        return {
          error: `Deploy #${d.id} was to \`${d.app}\` *${d.env}*, not ${where}; pick one of ${where}'s own deploys, or name a commit SHA.`,
        };
      }
      if (d.status === 'failed' || d.status === 'cancelled') {
        return {
          error: `Deploy #${d.id} ${d.status === 'failed' ? 'failed' : 'was cancelled'}, so \`${shortSha(d.sha)}\` never ran on ${where} through it; roll back to a deploy that succeeded, or name the commit SHA if you are sure.`,
        };
      }
      if (d.status !== 'succeeded') {
        return { error: `Deploy #${d.id} is still ${d.status}; roll back to a deploy that has succeeded.` };
      }
      if (d.sha === currentSha) {
        return {
          error: `Deploy #${d.id} deployed \`${shortSha(d.sha)}\`, which is what runs on ${where} now; there is nothing to roll back.`,
        };
      }
      return { sha: d.sha, fromDeploy: d.id, ref: d.ref };
    }
    case 'sha': {
      if (arg.sha === currentSha)
        return { error: `\`${shortSha(arg.sha)}\` is what runs on ${where} already; there is nothing to roll back.` };
      const from = succeeded.find((d) => d.sha === arg.sha);
      return from ? { sha: arg.sha, fromDeploy: from.id, ref: from.ref } : { sha: arg.sha, ref: shortSha(arg.sha) };
    }
  }
}

/** "#41 and #40", "#41, #40, #39 and 2 more" */
function idList(ds: readonly Deploy[]): string {
  const shown = ds.slice(0, 3).map((d) => `#${d.id}`);
  const more = ds.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** What the record's rollbackOf holds for a choice: the deploy id, or the SHA. */
export const rollbackOf = (c: { sha: string; fromDeploy?: number }): string => (c.fromDeploy !== undefined ? String(c.fromDeploy) : c.sha);

/** "to abc1234 (from #41)": the audit entry's detail (plain text). */
export function rollbackDetail(sha: string, of: string | undefined): string {
  return `to ${shortSha(sha)}${of && /^\d+$/.test(of) ? ` (from #${of})` : ''}`;
}

/** "rollback to `abc1234` (from #41)", for the feed and answers (mrkdwn). */
export function rollbackLabel(d: Pick<Deploy, 'sha' | 'rollbackOf'>): string {
  const from = d.rollbackOf && /^\d+$/.test(d.rollbackOf) ? ` (from #${d.rollbackOf})` : '';
  return `rollback to \`${shortSha(d.sha)}\`${from}`;
}

/** The reason on the lock a rollback claims. */
export const rollbackLockReason = (name: string): string => `rolled back by ${name}`;

/** Told to the person whose rollback was accepted. */
export function rollbackLockText(app: string, env: string, reason: string, until: number): string {
  return `:lock: \`${app}\` *${env}* is locked for you (${escapeMrkdwn(reason)}) until you \`/unlock ${app} ${env}\` (at the latest ${slackTime(until)}), so the next routine deploy doesn't undo the rollback unknowingly.`;
}

/** How the lock's reason names Ferry when it rolls back after deploy #id's smoke check failed. */
export const smokeRollbackName = (id: number): string => `Ferry (the smoke check of deploy #${id} failed)`;
