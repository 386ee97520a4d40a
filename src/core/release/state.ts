import type { Author, Release, ReleasePolicy } from './types';

/** Where a release stands, decided from its record and its env's rules (pure). */
export interface ReleaseState {
  /** Every required ack is in, no hold stands, it is open and not stale. */
  ready: boolean;
  /** Authors whose ack is still missing (self or approver). */
  waiting: Author[];
  /** One of the required approvers must still approve (policy.approvers set and no valid approval yet). */
  approverMissing: boolean;
  holds: { user: string; reason: string; at: number }[];
}

/** Whether `user`'s approval counts as the required approver's (the requester's doesn't when self_approval is false). */
export function approvalCounts(r: Pick<Release, 'requester'>, policy: Pick<ReleasePolicy, 'selfApproval'>, user: string): boolean {
  return policy.selfApproval || user !== r.requester;
}

export function releaseState(r: Release, policy: Pick<ReleasePolicy, 'approvers' | 'selfApproval'>): ReleaseState {
  const waiting = r.authors.filter((a) => a.ackBy !== 'none' && !r.acks[a.key]);
  const approverMissing = policy.approvers.length > 0 && !Object.keys(r.approvals).some((u) => approvalCounts(r, policy, u));
  const holds = Object.entries(r.holds)
    .map(([user, h]) => ({ user, ...h }))
    .sort((a, b) => a.at - b.at);
  const ready = r.status === 'open' && !r.stale && waiting.length === 0 && !approverMissing && holds.length === 0;
  return { ready, waiting, approverMissing, holds };
}
