import { shortSha } from '../deploy';
import { escapeMrkdwn, mention } from '../slack-format';
import { who } from './budget';
import type { ReleaseState } from './state';
import type { Release, ReleasePolicy } from './types';

/** What Ferry answers people about a release (pure): its name, where it goes, and why it can't do what they asked. */
export const releaseName = (r: Pick<Release, 'id'>): string => `release #${r.id}`;
export const where = (app: string, env: string): string => `\`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*`;

/** Why Ship didn't ship (the store's refusal), and what to do. */
export type ShipRefusal =
  | { kind: 'already'; status: string; deployId?: number }
  | { kind: 'closed'; status: string }
  | { kind: 'stale' }
  | { kind: 'held' }
  | { kind: 'waiting'; key: string }
  | { kind: 'approver' }
  | { kind: 'missing' };

/** The rest of an answer after an OK, a lift: where the release stands now. */
export function stateLine(r: Release, s: ReleaseState, policy: ReleasePolicy): string {
  if (r.status === 'shipping' || r.status === 'shipped') return `It is ${r.status}${r.deployId ? ` as deploy #${r.deployId}` : ''}.`;
  if (s.ready)
    return policy.ship === 'auto' ? 'Every OK is in; it ships now.' : 'Every OK is in: it is ready, and *Ship* on its message ships it.';
  const parts = [
    s.waiting.length
      ? `${s.waiting.length} author${s.waiting.length === 1 ? '' : 's'} (${s.waiting
          .slice(0, 5)
          .map((a) => (a.slack ? mention(a.slack) : escapeMrkdwn(a.name)))
          .join(', ')}${s.waiting.length > 5 ? ', …' : ''})`
      : '',
    s.approverMissing ? 'an approver' : '',
    s.holds.length ? `${s.holds.length} hold${s.holds.length === 1 ? '' : 's'} to be lifted` : '',
  ].filter(Boolean);
  return `Still waiting for ${parts.join(', ')}.`;
}

/** To someone whose OK the release doesn't need. */
export function notYoursText(r: Release, policy: ReleasePolicy): string {
  const authors = r.authors
    .filter((a) => a.slack)
    .slice(0, 10)
    .map((a) => mention(a.slack!));
  const approvers = policy.approvers.map(who);
  return [
    `You have no commits in ${releaseName(r)}, so there is no OK of yours to give: each author says OK for their own commits${authors.length ? ` (${authors.join(', ')})` : ''}.`,
    approvers.length ? `Its required approver is one of ${approvers.join(', ')}.` : '',
    'To stop it, use *Hold…* and say why.',
  ]
    .filter(Boolean)
    .join(' ');
}

export function notShippedText(r: Release, refusal: ShipRefusal, policy: ReleasePolicy): string {
  const name = releaseName(r);
  switch (refusal.kind) {
    case 'already':
      return `${name} is ${refusal.status} already${refusal.deployId ? ` (deploy #${refusal.deployId})` : ''}; it ships once.`;
    case 'closed':
      return `${name} is ${refusal.status}; it can't ship. Run \`/release\` for a new one.`;
    case 'stale':
      return `${name} can't ship: ${staleText(r)} Press *Refresh* on it for a fresh summary.`;
    case 'held':
      return `${name} can't ship while a hold stands; its message shows who holds it and why.`;
    case 'waiting': {
      const a = r.authors.find((x) => x.key === refusal.key);
      return `${name} isn't ready: it still needs an OK from ${a?.slack ? mention(a.slack) : escapeMrkdwn(a?.name ?? 'an author')}.`;
    }
    case 'approver':
      return `${name} isn't ready: it needs an approval from one of its required approvers${policy.selfApproval ? '' : ` other than ${mention(r.requester)}, who opened it`}.`;
    default:
      return `There is no release #${r.id}.`;
  }
}

/** Why a stale release can't ship: which env moved since its summary. */
export function staleText(r: Release): string {
  const env = r.stale?.env ?? r.from;
  const moved = r.stale ? ` (it runs \`${shortSha(r.stale.sha)}\` now)` : '';
  return env === r.from
    ? `${where(r.app, r.from)} no longer runs \`${shortSha(r.sourceSha)}\`, the SHA it summarised${moved}.`
    : `${where(r.app, r.to)} was deployed outside this release${moved}, so its list of commits is no longer what would ship.`;
}

export function alreadyOpenText(r: Release, link: string | undefined): string {
  const see = link ? ` <${link}|See it in the feed>.` : '';
  return `${releaseName(r)} to ${where(r.app, r.to)} is ${r.status} already (\`${shortSha(r.sourceSha)}\` from ${escapeMrkdwn(r.from)}).${see} One release to an env at a time: ship it, or cancel it with \`/release cancel ${r.id}\` first.`;
}

export function openedText(
  r: Release,
  how: 'Opened' | 'Already opened',
  waitingAuthors: number,
  freezeSource: boolean,
  link: string | undefined,
): string {
  return [
    `${how} *${releaseName(r)}*: ${r.commitCount} commit${r.commitCount === 1 ? '' : 's'} by ${r.authors.length} author${r.authors.length === 1 ? '' : 's'} from ${where(r.app, r.from)} (\`${shortSha(r.sourceSha)}\`) to ${where(r.app, r.to)}${r.targetSha ? ` (\`${shortSha(r.targetSha)}\`)` : ' (nothing deployed there yet, so these are the newest commits of the source)'}.`,
    waitingAuthors ? `I've asked ${waitingAuthors === 1 ? 'its author' : `its ${waitingAuthors} authors`} for an OK by DM.` : '',
    freezeSource ? `${where(r.app, r.from)} is frozen until it ships or is cancelled, so what is checked doesn't move.` : '',
    link ? `<${link}|See it in the deploy feed>.` : 'See it in the deploy feed.',
  ]
    .filter(Boolean)
    .join('\n');
}
