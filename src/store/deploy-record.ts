import type { Deploy, DeployStatus, ReviewRun } from '../core/deploy';
import { assignDefined } from '../util/defined';
import { ciFromHash } from './ci-runs';

/** Reads a deploy from its Redis hash. */
export function deployFromHash(h: Record<string, string>): Deploy | undefined {
  if (!h.id) return undefined;
  const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
  const d: Deploy = {
    id: Number(h.id),
    app: h.app ?? '',
    env: h.env ?? '',
    ref: h.ref ?? '',
    sha: h.sha ?? '',
    user: h.user ?? '',
    status: (h.status ?? 'queued') as DeployStatus,
    createdAt: Number(h.createdAt ?? 0),
    rev: Number(h.rev ?? 0),
    attempt: Number(h.attempt ?? 0),
  };
  const optional = {
    startedAt: num(h.startedAt),
    finishedAt: num(h.finishedAt),
    exitCode: num(h.exitCode),
    worker: h.worker,
    previousSha: h.previousSha || undefined,
    error: h.error || undefined,
    waitingFor: h.waitingFor || undefined,
    override: h.overrideBy ? { by: h.overrideBy, reason: h.overrideReason ?? '' } : undefined,
    overrideChecks: h.overrideChecks || undefined,
    cancelRequestedBy: h.cancelRequestedBy || undefined,
    cancelRequestedAt: num(h.cancelRequestedAt),
    rollbackOf: h.rollbackOf || undefined,
    checksWaitSince: num(h.checksWaitSince),
    release: /^\d+:\d+$/.test(h.release ?? '')
      ? { id: Number(h.release!.split(':')[0]), attempt: Number(h.release!.split(':')[1]) }
      : undefined,
    auto: h.autoBy
      ? { by: h.autoBy, from: h.autoFrom ?? '', pushes: Number(h.autoPushes ?? 1), commits: Number(h.autoCommits ?? 0) }
      : undefined,
    review:
      h.review === 'deploy' || h.review === 'teardown' ? { action: h.review as ReviewRun['action'], branch: h.prBranch ?? '' } : undefined,
    smoke: h.smoke === 'passed' || h.smoke === 'failed' || h.smoke === 'stopped' ? (h.smoke as Deploy['smoke']) : undefined,
    ci: ciFromHash(h),
    feedChannel: h.feedChannel,
    feedTs: h.feedTs,
  };
  assignDefined(d, optional);
  return d;
}
