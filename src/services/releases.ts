import { notYoursText, releaseName, staleText, stateLine, where } from '../core/release/answers';
import { releaseState } from '../core/release/state';
import type { Release, ReleaseFields } from '../core/release/types';
import { mention } from '../core/slack-format';
import { who } from '../core/release/budget';
import type { Place } from './arrival-order';
import type { Answer } from './queue-deploy';
import { ReleaseLife } from './release-life';
import type { ReleaseRequest } from './release-open';
import { type ReleaseDeps, ReleaseOpening } from './release-opening';

/** A hold's outcome: whether it now stands, and what to tell the person. */
export type HoldAnswer = Answer & { held: boolean };

/**
 * Releases, as people drive them: `/release` (the plan, the record, the source's freeze, the
 * summary and the authors' DMs, its timers), OK to ship, holds, cancel, refresh and details.
 * Shipping and what deploys and timers do to a release live in ReleaseLife.
 */
export class ReleaseService {
  readonly life: ReleaseLife;
  private readonly opening: ReleaseOpening;
  constructor(private readonly d: ReleaseDeps) {
    this.life = new ReleaseLife(d);
    this.opening = new ReleaseOpening(d, this.life);
  }

  /** Opens a release (`req.tag` pins its source to a tag's commit); `releaseId` is the release it opened, or had opened for this key. */
  open(req: ReleaseRequest, user: string, idempotencyKey: string): Promise<Answer & { releaseId?: number }> {
    return this.opening.open(req, user, idempotencyKey);
  }

  /** "OK to ship" from `user`: their own commits, and as an approver where they are one. */
  async ack(id: number, user: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    const policy = this.life.policy(r);
    const own = r.authors.filter((a) => a.ackBy === 'self' && a.slack === user);
    const unmapped = r.authors.filter((a) => a.ackBy === 'approver');
    const approver =
      policy.approvers.length > 0
        ? await this.d.permissions.inList(policy.approvers, user)
        : unmapped.length > 0 && (await this.d.permissions.isAdmin(user));
    const keys = [...own, ...(approver ? unmapped : [])].map((a) => a.key);
    const approve = approver && policy.approvers.length > 0;
    if (keys.length === 0 && !approve) return { text: notYoursText(r, policy) };
    const res = await this.d.store.ack(id, user, keys, approve, this.d.now());
    if (res.kind === 'missing') return { text: `There is no release #${id}.` };
    if (res.kind === 'stale')
      return {
        text: `${releaseName(r)} is stale: ${staleText(r)} It can't ship; press *Refresh* on it (or run \`/release\` again) for a fresh summary.`,
      };
    if (res.kind === 'closed') return { text: `${releaseName(r)} is ${res.status} already; nothing to OK.` };
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, policy);
    if (res.newAcks || res.approved) {
      await this.life.record(r, user, `ok to ship${approve ? ' (as approver)' : ''}`);
      await this.life.changed(after, state);
    }
    const commits = own.reduce((n, a) => n + a.commits, 0);
    const what = [
      own.length ? `your ${commits} commit${commits === 1 ? '' : 's'}` : '',
      approve ? 'your approval' : '',
      approver && unmapped.length ? `the ${unmapped.length} author${unmapped.length === 1 ? '' : 's'} with no Slack user` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const head =
      res.newAcks || res.approved
        ? `:white_check_mark: Thanks, your OK for ${what} in ${releaseName(r)} is in.`
        : `You already said OK to ${releaseName(r)}; it counts once.`;
    const selfNote =
      approve && !policy.selfApproval && user === r.requester
        ? " You opened this release, so your approval does not count as the approver's; another approver must approve."
        : '';
    return { text: `${head}${selfNote} ${stateLine(after, state, policy)}` };
  }

  async hold(id: number, user: string, reason: string): Promise<HoldAnswer> {
    const r = await this.d.store.get(id);
    const res = r ? await this.d.store.hold(id, user, reason, this.d.now()) : ({ kind: 'missing' } as const);
    if (!r || res.kind === 'missing') return { held: false, text: `There is no release #${id}.` };
    if (res.kind === 'closed') return { held: false, text: `${releaseName(r)} is ${res.status} already; there is nothing to hold.` };
    await this.life.record(r, user, `hold: ${reason}`);
    await this.life.changed((await this.d.store.get(id))!);
    return {
      held: true,
      text: `:octagonal_sign: ${releaseName(r)} is on hold until you (or an admin) lift it with *Lift hold* on its message.`,
    };
  }

  async lift(id: number, user: string, holder: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.holds[holder]) return { text: `${mention(holder)} has no hold on ${releaseName(r)} (any more).` };
    if (holder !== user && !(await this.d.permissions.isAdmin(user))) {
      const admins = this.d.permissions.admins;
      return {
        text: `Only ${mention(holder)}, who raised this hold, or an admin${admins.length ? ` (${admins.map(who).join(', ')})` : ''} can lift it. Ask them in the release's thread.`,
      };
    }
    if (!(await this.d.store.lift(id, holder))) return { text: `That hold on ${releaseName(r)} was lifted already.` };
    await this.life.record(r, user, holder === user ? 'lifted their hold' : `lifted the hold of ${holder}`);
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, this.life.policy(after));
    await this.life.changed(after, state);
    return { text: `Lifted the hold on ${releaseName(r)}. ${stateLine(after, state, this.life.policy(after))}` };
  }

  ship(id: number, user: string, place?: Place): Promise<Answer> {
    return this.life.ship(id, user, false, place);
  }

  async cancel(id: number, user: string): Promise<Answer> {
    let r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (user !== r.requester && !(await this.d.permissions.isAdmin(user)))
      return {
        text: `Only ${mention(r.requester)}, who opened ${releaseName(r)}, or an admin can cancel it. To stop it shipping, use *Hold…* on it and say why.`,
      };
    if (r.status === 'shipping') r = await this.life.settle(r);
    const ended = await this.life.end(r, 'cancelled', `cancelled by ${mention(user)}`, user);
    if (ended)
      return { text: `Cancelled ${releaseName(r)}.${this.life.policy(r).freezeSource ? ` ${where(r.app, r.from)} is unfrozen.` : ''}` };
    const now = (await this.d.store.get(id))?.status ?? 'gone';
    const how =
      now === 'shipping'
        ? ` Its deploy${r.deployId ? ` #${r.deployId}` : ''} is under way; \`/deploy cancel ${r.deployId ?? '<id>'}\` stops it, and the release opens again.`
        : '';
    return { text: `${releaseName(r)} is ${now}; it can't be cancelled now.${how}` };
  }

  /** A stale release is replaced by a fresh one of what the envs run now. */
  async refresh(id: number, user: string, idempotencyKey: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.stale)
      return {
        text: `${releaseName(r)} is up to date with ${r.tag ? `tag \`${r.tag}\` and ${where(r.app, r.to)}` : where(r.app, r.from)}; nothing to refresh.`,
      };
    // One opened from a tag stays the tag's: only its target can have moved.
    const tag = r.tag ? { tag: { name: r.tag, sha: r.sourceSha } } : {};
    return this.open({ app: r.app, from: r.from, to: r.to, force: r.diverged !== undefined, ...tag }, user, idempotencyKey);
  }

  /** The details modal: for the opener, admins, approvers and whoever may deploy the target. Returns the problem, if any. */
  async setFields(id: number, user: string, fields: ReleaseFields): Promise<string | undefined> {
    const r = await this.d.store.get(id);
    if (!r) return `There is no release #${id}.`;
    const policy = this.life.policy(r);
    const may =
      user === r.requester ||
      (await this.d.permissions.isAdmin(user)) ||
      (policy.approvers.length > 0 && (await this.d.permissions.inList(policy.approvers, user))) ||
      (await this.d.permissions.check('deploy', user, r.app, r.to)).ok;
    if (!may)
      return `Only ${mention(r.requester)}, who opened ${releaseName(r)}, its approvers, admins, and people who may deploy to ${r.to} can change its details.`;
    if (!(await this.d.store.setFields(id, fields))) return `${releaseName(r)} is ${r.status}; its details can't change now.`;
    await this.life.record(r, user, 'edited the release details');
    this.life.refresh(id);
    return undefined;
  }

  async get(id: number): Promise<Release | undefined> {
    return this.d.store.get(id);
  }
}
