/** The words a release's messages share: envs, authors and their acks, where it stands. Pure. */
import { shortSha } from '../deploy';
import { approvalCounts, type ReleaseState } from './state';
import { ago, at, clipMrkdwn, code, esc, link, plainClip, plural, who } from './budget';
import type { Author, Release, ReleasePolicy } from './types';

/** "production" -> "Production" (plain text, for headers). */
export const envTitle = (env: string): string => {
  const t = plainClip(env, 60);
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** An env name in mrkdwn: bold and escaped. */
export const envName = (env: string): string => `*${esc(env, 60) || '?'}*`;

/** "22 Nov" in the team's time zone (UTC when the zone is not one). */
export function dayMonth(ms: number, timeZone: string): string {
  for (const tz of [timeZone, 'UTC']) {
    try {
      return new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short' }).format(ms);
    } catch {
      // next zone
    }
  }
  return 'date unknown';
}

/** The author as people know them: a mention, else their git name with "(bot)" or "(no Slack user)". */
export function authorLabel(a: Author): string {
  if (a.slack) return who(a.slack);
  return `${esc(a.name, 40) || 'unknown'} ${a.bot ? '(bot)' : '(no Slack user)'}`;
}

export type AckShown = 'ok' | 'waiting' | 'shown';

export function ackOf(r: Release, a: Author): AckShown {
  if (r.acks[a.key]) return 'ok';
  return a.ackBy === 'none' ? 'shown' : 'waiting';
}

/** ":white_check_mark: OK" / ":hourglass_flowing_sand: waiting" / "shown only", with who acked for an approver's ack. */
export function ackText(r: Release, a: Author): string {
  const ack = r.acks[a.key];
  if (ack)
    return a.ackBy === 'approver' || (a.slack !== undefined && ack.by !== a.slack)
      ? `:white_check_mark: OK by ${who(ack.by)}`
      : ':white_check_mark: OK';
  if (a.ackBy === 'none') return 'shown only';
  return a.ackBy === 'approver' ? ':hourglass_flowing_sand: waiting for an approver' : ':hourglass_flowing_sand: waiting';
}

/** "• @ana · 3 commits · ✅ OK" */
export const authorLine = (r: Release, a: Author): string => `• ${authorLabel(a)} · ${plural(a.commits, 'commit')} · ${ackText(r, a)}`;

/** The required approver's line, when the env has approvers. */
export function approverLine(r: Release, policy: ReleasePolicy): string | undefined {
  if (policy.approvers.length === 0) return undefined;
  const counted = Object.entries(r.approvals)
    .filter(([u]) => approvalCounts(r, policy, u))
    .sort((a, b) => a[1] - b[1]);
  if (counted.length > 0) {
    const [u, t] = counted[0]!;
    return `:white_check_mark: Approved by ${who(u)} ${ago(t)}`;
  }
  const shown = policy.approvers.slice(0, 8).map(who);
  const more = policy.approvers.length > 8 ? ` and ${policy.approvers.length - 8} more` : '';
  const own = r.approvals[r.requester] !== undefined ? " (the requester's own approval doesn't count here)" : '';
  return `:hourglass_flowing_sand: Needs an approval from ${policy.approvers.length === 1 ? '' : 'one of '}${shown.join(', ')}${more}${own}`;
}

/** ":octagonal_sign: Held by @ben: reason · since …", numbered when there are several (to match the Lift buttons). */
export function holdLine(h: ReleaseState['holds'][number], n: number | undefined): string {
  const reason = esc(h.reason, 200);
  return `:octagonal_sign: ${n !== undefined ? `${n}. ` : ''}*Held* by ${who(h.user)}${reason ? `: ${reason}` : ''} · since ${at(h.at)}`;
}

export function staleLine(r: Release): string | undefined {
  if (!r.stale || r.status !== 'open') return undefined;
  const env = r.stale.env || r.from;
  const moved =
    env === r.from
      ? `${envName(r.from)} moved to ${code(shortSha(r.stale.sha), 7)} after this was put together`
      : `${envName(r.to)} was deployed outside this release (it runs ${code(shortSha(r.stale.sha), 7)} now)`;
  return `:warning: ${moved}: this release can't ship as it is; *Refresh* it for a fresh list of commits.`;
}

/** Why the last ship attempt didn't ship (its deploy failed, or it was refused), while the release is open again. */
export function lastShipLine(r: Release): string | undefined {
  if (r.status !== 'open') return undefined;
  if (r.lastShip)
    return `:x: Its deploy #${r.lastShip.deployId} ${r.lastShip.status === 'failed' ? 'failed' : 'was cancelled'}; the OKs stand, and *Ship* tries again.`;
  if (r.shipNote) return `:warning: It couldn't ship: ${clipMrkdwn(r.shipNote, 600)}`;
  return undefined;
}

/** Where the release stands, in a line: ready, waiting, held, shipping, shipped, cancelled or expired. */
export function statusLine(r: Release, policy: ReleasePolicy, state: ReleaseState, shipDeployUrl?: string): string {
  const deploy = r.deployId !== undefined ? link(shipDeployUrl, `deploy #${r.deployId}`) : undefined;
  const reason = r.endReason ? `: ${clipMrkdwn(r.endReason, 400)}` : '';
  switch (r.status) {
    case 'shipping':
      return `:rocket: *Shipping*${deploy ? ` as ${deploy}` : ''}${r.shippedBy ? `, started by ${who(r.shippedBy)}` : ''}`;
    case 'shipped':
      return `:white_check_mark: *Shipped*${deploy ? ` as ${deploy}` : ''}${r.shippedBy ? ` by ${who(r.shippedBy)}` : ''}${r.shippedAt !== undefined ? ` ${ago(r.shippedAt)}` : ''}`;
    case 'cancelled':
      return `:no_entry_sign: *Cancelled*${reason}`;
    case 'expired':
      return `:hourglass: *Expired*${reason || ': nobody shipped it in time'}`;
    case 'open':
      break;
    default:
      return `*${esc(String(r.status), 40)}*${reason}`;
  }
  if (r.stale) return `:warning: *Can't ship until it is refreshed*`;
  const then = policy.ship === 'auto' ? 'it ships by itself' : `someone allowed to deploy to ${envName(r.to)} presses *Ship*`;
  if (state.ready) {
    // An automatic ship that was refused or failed waits for Ship like any other.
    const auto = policy.ship === 'auto' && !r.shipNote && !r.lastShip;
    return auto
      ? ':white_check_mark: *Ready*: everyone said OK; it ships by itself.'
      : ':white_check_mark: *Ready*: everyone said OK; press *Ship* to deploy.';
  }
  const wants: string[] = [];
  if (state.waiting.length > 0) wants.push(`OK from ${plural(state.waiting.length, 'author')}`);
  if (state.approverMissing) wants.push('an approval');
  const waiting = wants.join(' and ');
  const held = state.holds.length > 0 ? `:octagonal_sign: *On hold* (${plural(state.holds.length, 'hold')})` : undefined;
  if (held && waiting) return `${held}, and waiting for ${waiting}.`;
  if (held) return `${held}: once lifted, ${then}.`;
  if (waiting) return `:hourglass_flowing_sand: *Waiting for ${waiting}*, then ${then}.`;
  return ':hourglass_flowing_sand: *Waiting*';
}
