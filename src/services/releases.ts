import type { Logger } from 'pino';
import type { Deploy } from '../core/deploy';
import { shortSha } from '../core/deploy';
import { formatDuration } from '../core/duration';
import { type ReleaseState, releaseState } from '../core/release/state';
import type { Release, ReleaseFields, ReleasePolicy } from '../core/release/types';
import { escapeMrkdwn, mention } from '../core/slack-format';
import type { ReleaseFeed } from '../feed/release-feed';
import type { Queues } from '../queue/queues';
import type { AuditLog } from '../store/audit';
import type { DeployStore } from '../store/deploys';
import type { ReleaseStore } from '../store/releases';
import { withDeadline } from '../util/deadline';
import { authorize } from './authorize';
import type { Answer, DeployRequests } from './deploy-requests';
import type { FreezeService } from './freezes';
import type { Permissions } from './permissions';
import { planRelease, type PlanDeps } from './release-open';

export interface ReleaseDeps extends PlanDeps {
  store: ReleaseStore;
  deploys: Pick<DeployStore, 'envState' | 'acceptedAs'>;
  requests: Pick<DeployRequests, 'request'>;
  freezes: Pick<FreezeService, 'freezeFor' | 'liftFor'>;
  queues: Pick<Queues, 'releaseTimer'>;
  feed: ReleaseFeed;
  permissions: Pick<Permissions, 'check' | 'admins' | 'isAdmin' | 'inList'>;
  audit: AuditLog;
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  now: () => number;
  /** How long an answer waits for the summary to be posted, to link to it. */
  feedWaitMs?: number;
}

const releaseName = (r: Pick<Release, 'id'>) => `release #${r.id}`;
const where = (app: string, env: string) => `\`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*`;

/**
 * Releases, from `/release` to production: opening one (the plan, the record, the source's
 * freeze, the summary and the authors' DMs, its timers), acks, holds, shipping through the normal
 * deploy path, and what deploys and timers do to it. Every step is safe to repeat.
 */
export class ReleaseService {
  private readonly log: Logger;
  constructor(private readonly d: ReleaseDeps) {
    this.log = d.log.child({ component: 'releases' });
  }

  private policy(r: Pick<Release, 'app' | 'to'>): ReleasePolicy {
    return this.d.config.apps[r.app]!.envs[r.to]!.release;
  }

  async open(req: { app: string; from: string; to: string; force: boolean }, user: string, idempotencyKey: string): Promise<Answer> {
    const openId = await this.d.store.openId(req.app, req.to);
    // A retried delivery of the request that opened it is answered as that request (create() says "duplicate").
    if (openId !== undefined && (await this.d.store.openedBy(idempotencyKey)) !== openId) {
      const cur = await this.d.store.get(openId);
      if (cur && (cur.status === 'open' || cur.status === 'shipping') && !cur.stale) return { text: await this.alreadyOpen(cur) };
      if (cur?.stale) await this.end(cur, 'cancelled', `replaced by a fresh release (${req.from} had moved)`, user);
    }
    // `ship: auto` ships as whoever opened the release: someone who may not deploy the target can't open one.
    if (this.policy(req).ship === 'auto') {
      const refused = await authorize({ permissions: this.d.permissions, audit: this.d.audit, log: this.log, now: this.d.now }, 'deploy', user, req.app, req.to, 'release');
      if (refused) return { text: `${refused} Releases to ${where(req.app, req.to)} ship by themselves as whoever opened them (\`ship: auto\`), so no release was opened.` };
    }
    const now = this.d.now();
    const plan = await planRelease(this.d, req, user, now);
    if (plan.kind === 'refused') return { text: plan.text };
    const created = await this.d.store.create(plan.release, plan.commits, idempotencyKey);
    if (created.kind === 'open') {
      const cur = await this.d.store.get(created.id);
      return { text: cur ? await this.alreadyOpen(cur) : `Another release to ${where(req.app, req.to)} was opened a moment ago.` };
    }
    const id = created.id;
    const r = (await this.d.store.get(id))!;
    if (created.kind === 'created') await this.opened(r);
    const link = await this.summaryLink(id);
    const waiting = releaseState(r, this.policy(r)).waiting.filter((a) => a.ackBy === 'self').length;
    const lines = [
      `${created.kind === 'duplicate' ? 'Already opened' : 'Opened'} *${releaseName(r)}*: ${r.commitCount} commit${r.commitCount === 1 ? '' : 's'} by ${r.authors.length} author${r.authors.length === 1 ? '' : 's'} from ${where(r.app, r.from)} (\`${shortSha(r.sourceSha)}\`) to ${where(r.app, r.to)}${r.targetSha ? ` (\`${shortSha(r.targetSha)}\`)` : ''}.`,
      waiting ? `I've asked ${waiting === 1 ? 'its author' : `its ${waiting} authors`} for an OK by DM.` : '',
      this.policy(r).freezeSource ? `${where(r.app, r.from)} is frozen until it ships or is cancelled, so what is checked doesn't move.` : '',
      link ? `<${link}|See it in the deploy feed>.` : 'See it in the deploy feed.',
    ];
    return { text: lines.filter(Boolean).join('\n') };
  }

  /** Everything that follows a new release, once: audit, source freeze, timers, summary, DMs, and shipping if nothing is needed. */
  private async opened(r: Release): Promise<void> {
    const policy = this.policy(r);
    const log = this.log.child({ releaseId: r.id });
    log.info({ app: r.app, from: r.from, to: r.to, sha: r.sourceSha, commits: r.commitCount }, 'release opened');
    await this.record(r, r.requester, `opened: ${r.from} ${shortSha(r.sourceSha)} to ${r.to}${r.targetSha ? ` ${shortSha(r.targetSha)}` : ''}, ${r.commitCount} commits`);
    if (policy.freezeSource) {
      const frozen = await this.d.freezes.freezeFor(r.app, r.from, { by: r.requester, reason: `frozen for ${releaseName(r)} while it is checked`, since: r.createdAt, source: 'release', name: `#${r.id}` }, `release-${r.id}-freeze`, `:snowflake: ${where(r.app, r.from)} frozen for ${releaseName(r)}, so the \`${shortSha(r.sourceSha)}\` being checked doesn't move. Deploys there wait until the release ships or is cancelled.`);
      if (!frozen) log.warn({ env: r.from }, 'the source env is frozen by something else already; that freeze holds it still');
    }
    if (policy.reminders > 0) await this.d.queues.releaseTimer({ kind: 'release-remind', id: r.id, round: 0 }, r.createdAt + policy.remindAfterMs, this.d.now());
    await this.d.queues.releaseTimer({ kind: 'release-expire', id: r.id }, r.createdAt + policy.expireAfterMs, this.d.now());
    this.background('release DMs', this.d.feed.dmAuthors(r.id));
    if (releaseState(r, policy).ready && policy.ship === 'auto') this.background('auto ship', this.ship(r.id, r.requester, true));
  }

  /** "OK to ship" from `user`: their own commits, and as an approver where they are one. */
  async ack(id: number, user: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    const policy = this.policy(r);
    const own = r.authors.filter((a) => a.ackBy === 'self' && a.slack === user);
    const unmapped = r.authors.filter((a) => a.ackBy === 'approver');
    const approver = policy.approvers.length > 0 ? await this.d.permissions.inList(policy.approvers, user) : unmapped.length > 0 && (await this.d.permissions.isAdmin(user));
    const keys = [...own, ...(approver ? unmapped : [])].map((a) => a.key);
    const approve = approver && policy.approvers.length > 0;
    if (keys.length === 0 && !approve) return { text: this.notYours(r, policy) };
    const res = await this.d.store.ack(id, user, keys, approve, this.d.now());
    if (res.kind === 'missing') return { text: `There is no release #${id}.` };
    if (res.kind === 'stale') return { text: `${releaseName(r)} is stale: ${where(r.app, r.from)} moved after it was summarised, so it can't ship. Press *Refresh* on it (or run \`/release\` again) for a fresh summary.` };
    if (res.kind === 'closed') return { text: `${releaseName(r)} is ${res.status} already; nothing to OK.` };
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, policy);
    if (res.newAcks || res.approved) {
      await this.record(r, user, `ok to ship${approve ? ' (as approver)' : ''}`);
      await this.changed(after, state);
    }
    const what = [own.length ? `your ${own.reduce((n, a) => n + a.commits, 0)} commit${own.reduce((n, a) => n + a.commits, 0) === 1 ? '' : 's'}` : '', approve ? 'your approval' : '', approver && unmapped.length ? `the ${unmapped.length} author${unmapped.length === 1 ? '' : 's'} with no Slack user` : '']
      .filter(Boolean)
      .join(' and ');
    const head = res.newAcks || res.approved ? `:white_check_mark: Thanks, your OK for ${what} in ${releaseName(r)} is in.` : `You already said OK to ${releaseName(r)}; it counts once.`;
    const selfNote = approve && !policy.selfApproval && user === r.requester ? ' You opened this release, so your approval does not count as the approver\'s; another approver must approve.' : '';
    return { text: `${head}${selfNote} ${this.stateLine(after, state)}` };
  }

  async hold(id: number, user: string, reason: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    const res = await this.d.store.hold(id, user, reason, this.d.now());
    if (res.kind === 'missing') return { text: `There is no release #${id}.` };
    if (res.kind === 'closed') return { text: `${releaseName(r)} is ${res.status} already; there is nothing to hold.` };
    await this.record(r, user, `hold: ${reason}`);
    await this.changed((await this.d.store.get(id))!);
    return { text: `:octagonal_sign: ${releaseName(r)} is on hold until you (or an admin) lift it with *Lift hold* on its message.` };
  }

  async lift(id: number, user: string, holder: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.holds[holder]) return { text: `${mention(holder)} has no hold on ${releaseName(r)} (any more).` };
    if (holder !== user && !(await this.d.permissions.isAdmin(user))) {
      const admins = this.d.permissions.admins;
      return { text: `Only ${mention(holder)}, who raised this hold, or an admin${admins.length ? ` (${admins.map((a) => (a.startsWith('S') ? `<!subteam^${a}>` : mention(a))).join(', ')})` : ''} can lift it. Ask them in the release's thread.` };
    }
    if (!(await this.d.store.lift(id, holder))) return { text: `That hold on ${releaseName(r)} was lifted already.` };
    await this.record(r, user, holder === user ? 'lifted their hold' : `lifted the hold of ${holder}`);
    const after = (await this.d.store.get(id))!;
    const state = releaseState(after, this.policy(after));
    await this.changed(after, state);
    return { text: `Lifted the hold on ${releaseName(r)}. ${this.stateLine(after, state)}` };
  }

  /** Ships a ready release: through the target's normal deploy path, as `user` (the requester for `ship: auto`). */
  async ship(id: number, user: string, auto = false): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    const policy = this.policy(r);
    if (!auto) {
      const refused = await authorize({ permissions: this.d.permissions, audit: this.d.audit, log: this.log, now: this.d.now }, 'deploy', user, r.app, r.to);
      if (refused) return { text: `${refused} ${releaseName(r)} did not ship.` };
    }
    const source = await this.d.deploys.envState(r.app, r.from);
    if (source.sha && source.sha !== r.sourceSha && (await this.d.store.markStale(id, source.sha, this.d.now()))) await this.changed((await this.d.store.get(id))!);
    const required = { keys: r.authors.filter((a) => a.ackBy !== 'none').map((a) => a.key), approval: policy.approvers.length > 0, ...(!policy.selfApproval && { notCounting: r.requester }) };
    const claim = await this.d.store.ship(id, user, this.d.now(), required);
    if (claim.kind !== 'ok') return { text: this.notShipped(r, claim) };
    const key = `release-${id}-ship-${claim.attempt}`;
    const answer = await this.d.requests.request({ app: r.app, env: r.to, ref: `release-${id}`, sha: r.sourceSha }, user, key).catch(async (err: Error) => {
      await this.d.store.shipping(id, undefined);
      throw err;
    });
    const deployId = await this.d.deploys.acceptedAs(key);
    await this.d.store.shipping(id, deployId);
    // Not changed(): a refused ship is open and ready again, and `ship: auto` would try again at once, forever.
    this.background('release summary', this.d.feed.refresh(id));
    if (deployId === undefined) return { text: `${releaseName(r)} did not ship: ${answer.text}` };
    await this.record(r, user, `shipping as deploy #${deployId}${auto ? ' (ship: auto)' : ''}`);
    return { text: `:ship: Shipping ${releaseName(r)} (\`${shortSha(r.sourceSha)}\`) to ${where(r.app, r.to)} as deploy #${deployId}.\n${answer.text}` };
  }

  async cancel(id: number, user: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (user !== r.requester && !(await this.d.permissions.isAdmin(user))) return { text: `Only ${mention(r.requester)}, who opened ${releaseName(r)}, or an admin can cancel it. To stop it shipping, use *Hold…* on it and say why.` };
    const ended = await this.end(r, 'cancelled', `cancelled by ${mention(user)}`, user);
    return { text: ended ? `Cancelled ${releaseName(r)}.${this.policy(r).freezeSource ? ` ${where(r.app, r.from)} is unfrozen.` : ''}` : `${releaseName(r)} is ${(await this.d.store.get(id))?.status ?? 'gone'}; it can't be cancelled now.` };
  }

  /** A stale release is replaced by a fresh one of what the source runs now. */
  async refresh(id: number, user: string, idempotencyKey: string): Promise<Answer> {
    const r = await this.d.store.get(id);
    if (!r) return { text: `There is no release #${id}.` };
    if (!r.stale) return { text: `${releaseName(r)} is up to date with ${where(r.app, r.from)}; nothing to refresh.` };
    return this.open({ app: r.app, from: r.from, to: r.to, force: r.diverged !== undefined }, user, idempotencyKey);
  }

  async setFields(id: number, user: string, fields: ReleaseFields): Promise<string | undefined> {
    const r = await this.d.store.get(id);
    if (!r) return `There is no release #${id}.`;
    if (!(await this.d.store.setFields(id, fields))) return `${releaseName(r)} is ${r.status}; its details can't change now.`;
    await this.record(r, user, 'edited the release details');
    await this.changed((await this.d.store.get(id))!);
    return undefined;
  }

  async get(id: number): Promise<Release | undefined> {
    return this.d.store.get(id);
  }

  /** A deploy finished: a release it ships is shipped (or open again); releases whose source it moved are stale. */
  async deployFinished(dep: Deploy): Promise<void> {
    const rid = await this.d.store.releaseOfDeploy(dep.id);
    if (rid !== undefined) {
      const r = await this.d.store.get(rid);
      if (r && (await this.d.store.shipDone(r, dep.id, dep.status, this.d.now()))) {
        const after = (await this.d.store.get(rid))!;
        if (dep.status === 'succeeded') {
          await this.record(after, after.shippedBy ?? dep.user, `shipped as deploy #${dep.id}`);
          await this.unfreezeSource(after, `:sunny: ${where(r.app, r.from)} unfrozen: ${releaseName(r)} shipped to ${escapeMrkdwn(r.to)}.`);
          await this.d.feed.productPost(after).catch((err: Error) => this.log.warn({ releaseId: rid, err: err.message }, 'could not post to the product channel'));
        }
        await this.d.feed.refresh(rid);
      }
    }
    if (dep.status !== 'succeeded') return;
    for (const id of await this.d.store.fromSource(dep.app, dep.env)) {
      if (!(await this.d.store.markStale(id, dep.sha, this.d.now()))) continue;
      this.log.info({ releaseId: id, sha: dep.sha }, 'release is stale: its source moved');
      await this.d.feed.refresh(id);
    }
  }

  /** Reminder round `round`: DMs the authors still waiting, and schedules the next round. */
  async remind(id: number, round: number): Promise<void> {
    const r = await this.d.store.get(id);
    if (!r || r.status !== 'open') return;
    const policy = this.policy(r);
    const state = releaseState(r, policy);
    const waiting = state.waiting.filter((a) => a.ackBy === 'self' && a.slack);
    if (waiting.length === 0 || r.stale) return;
    const sent = await this.d.feed.remind(r, waiting, round);
    if (sent) await this.d.store.countReminder(id);
    if (round + 1 < policy.reminders) await this.d.queues.releaseTimer({ kind: 'release-remind', id, round: round + 1 }, this.d.now() + policy.remindEveryMs, this.d.now());
  }

  async expire(id: number): Promise<void> {
    const r = await this.d.store.get(id);
    if (!r || r.status !== 'open') return;
    await this.end(r, 'expired', `expired: not shipped within ${formatDuration(this.policy(r).expireAfterMs)} of being opened`, 'ferry');
  }

  private async end(r: Release, how: 'cancelled' | 'expired', reason: string, user: string): Promise<boolean> {
    const res = await this.d.store.end(r, how, reason, this.d.now());
    if (!res.ended) return false;
    await this.record(r, user, reason.replace(/<@(\w+)>/g, '$1'));
    await this.unfreezeSource(r, `:sunny: ${where(r.app, r.from)} unfrozen: ${releaseName(r)} ${how === 'expired' ? 'expired' : 'was cancelled'}.`);
    await this.d.feed.refresh(r.id);
    return true;
  }

  private async unfreezeSource(r: Release, line: string): Promise<void> {
    if (!this.policy(r).freezeSource) return;
    await this.d.freezes.liftFor(r.app, r.from, 'release', `#${r.id}`, line);
  }

  /** After a change: the summary follows, and a release that became ready ships by itself where `ship: auto`. */
  private async changed(r: Release, state: ReleaseState = releaseState(r, this.policy(r))): Promise<void> {
    this.background('release summary', this.d.feed.refresh(r.id));
    if (state.ready && this.policy(r).ship === 'auto') {
      const answer = await this.ship(r.id, r.requester, true);
      this.log.info({ releaseId: r.id, answer: answer.text.slice(0, 200) }, 'auto ship');
    }
  }

  private stateLine(r: Release, s: ReleaseState): string {
    const policy = this.policy(r);
    if (r.status === 'shipping' || r.status === 'shipped') return `It is ${r.status}${r.deployId ? ` as deploy #${r.deployId}` : ''}.`;
    if (s.ready) return policy.ship === 'auto' ? 'Every OK is in; it ships now.' : 'Every OK is in: it is ready, and *Ship* on its message ships it.';
    const parts = [
      s.waiting.length ? `${s.waiting.length} author${s.waiting.length === 1 ? '' : 's'} (${s.waiting.slice(0, 5).map((a) => (a.slack ? mention(a.slack) : escapeMrkdwn(a.name))).join(', ')}${s.waiting.length > 5 ? ', …' : ''})` : '',
      s.approverMissing ? 'an approver' : '',
      s.holds.length ? `${s.holds.length} hold${s.holds.length === 1 ? '' : 's'} to be lifted` : '',
    ].filter(Boolean);
    return `Still waiting for ${parts.join(', ')}.`;
  }

  private notYours(r: Release, policy: ReleasePolicy): string {
    const authors = r.authors.filter((a) => a.slack).slice(0, 10).map((a) => mention(a.slack!));
    const approvers = policy.approvers.map((a) => (a.startsWith('S') ? `<!subteam^${a}>` : mention(a)));
    return [
      `You have no commits in ${releaseName(r)}, so there is no OK of yours to give: each author says OK for their own commits${authors.length ? ` (${authors.join(', ')})` : ''}.`,
      approvers.length ? `Its required approver is one of ${approvers.join(', ')}.` : '',
      'To stop it, use *Hold…* and say why.',
    ]
      .filter(Boolean)
      .join(' ');
  }

  private notShipped(r: Release, claim: Exclude<Awaited<ReturnType<ReleaseStore['ship']>>, { kind: 'ok' }>): string {
    const name = releaseName(r);
    switch (claim.kind) {
      case 'already':
        return `${name} is ${claim.status} already${claim.deployId ? ` (deploy #${claim.deployId})` : ''}; it ships once.`;
      case 'closed':
        return `${name} is ${claim.status}; it can't ship. Run \`/release\` for a new one.`;
      case 'stale':
        return `${name} can't ship: ${where(r.app, r.from)} no longer runs \`${shortSha(r.sourceSha)}\`, the SHA it summarised. Press *Refresh* on it for a fresh summary.`;
      case 'held':
        return `${name} can't ship while a hold stands; its message shows who holds it and why.`;
      case 'waiting': {
        const a = r.authors.find((x) => x.key === claim.key);
        return `${name} isn't ready: it still needs an OK from ${a?.slack ? mention(a.slack) : escapeMrkdwn(a?.name ?? 'an author')}.`;
      }
      case 'approver':
        return `${name} isn't ready: it needs an approval from one of its required approvers${this.policy(r).selfApproval ? '' : ` other than ${mention(r.requester)}, who opened it`}.`;
      default:
        return `There is no release #${r.id}.`;
    }
  }

  private async alreadyOpen(r: Release): Promise<string> {
    const link = r.feedChannel && r.feedTs ? await this.d.permalink(r.feedChannel, r.feedTs).catch(() => undefined) : undefined;
    const see = link ? ` <${link}|See it in the feed>.` : '';
    return `${releaseName(r)} to ${where(r.app, r.to)} is ${r.status} already (\`${shortSha(r.sourceSha)}\` from ${escapeMrkdwn(r.from)}).${see} One release to an env at a time: ship it, or cancel it with \`/release cancel ${r.id}\` first.`;
  }

  private async summaryLink(id: number): Promise<string | undefined> {
    await withDeadline(this.d.feed.refresh(id).catch((err: Error) => this.log.error({ releaseId: id, err: err.message }, 'could not post the release summary')), this.d.feedWaitMs ?? 5_000, undefined);
    const r = await this.d.store.get(id);
    if (!r?.feedChannel || !r.feedTs) return undefined;
    return this.d.permalink(r.feedChannel, r.feedTs).catch(() => undefined);
  }

  private async record(r: Release, user: string, detail: string): Promise<void> {
    await this.d.audit
      .record({ at: this.d.now(), user, action: 'release', app: r.app, env: r.to, detail: `#${r.id} ${detail}` })
      .catch((err: Error) => this.log.error({ releaseId: r.id, err: err.message }, 'could not record it in the audit log'));
  }

  private background(what: string, p: Promise<unknown>): void {
    p.catch((err: Error) => this.log.error({ err: err.message }, `${what} failed`));
  }
}
