import { mention } from './slack-format';

/**
 * Who may do what where: pure rules over the config's `admins` and each env's `permissions`, with
 * user group membership answered by the caller (no I/O here).
 *
 * - An action without a list is open to everyone, except `override`, which without a list is for
 *   admins, and when no admins are configured for whoever may deploy there.
 * - Admins may do every action everywhere.
 * - A group whose membership could not be looked up counts as "not a member" and is named in the
 *   refusal, so an error never lets anyone through.
 */
export type PermAction = 'deploy' | 'lock' | 'freeze' | 'override';

export const PERM_ACTIONS: readonly PermAction[] = ['deploy', 'lock', 'freeze', 'override'];

/** An env's `permissions:` lists: Slack user IDs (U…/W…) and user group IDs (S…) per action; an action without a list is open (except override). */
export type PermRules = { [A in PermAction]?: string[] };

export interface PermInput {
  action: PermAction;
  user: string;
  app: string;
  env: string;
  rules: PermRules;
  admins: readonly string[];
  /** Whether `user` is in the user group; undefined: unknown (the lookup failed). */
  memberOf: (groupId: string) => boolean | undefined;
}

export type PermDecision =
  | { ok: true; via: 'open' | 'listed' | 'group' | 'admin' }
  | {
      ok: false;
      /** The config key that refused, e.g. `apps.web.environments.production.permissions.deploy`, or `admins (override without a list)`. */
      rule: string;
      /** Who that rule lets through (user and user group IDs). */
      allowed: string[];
      /** Groups whose membership Ferry could not check; the person may be in one of them. */
      unknownGroups?: string[];
    };

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

export const isUserId = (id: string): boolean => USER_ID.test(id);
export const isGroupId = (id: string): boolean => GROUP_ID.test(id);

const HOW_TO_ID =
  "use the person's member ID (in Slack: their profile -> ⋮ -> Copy member ID), e.g. U0123ABCD, or a user group's ID (S…, e.g. S0123ABCD)";

/** For a YAML file that has an @name where an ID belongs. */
export const SLACK_NAME_HINT = `admins: and permissions: take Slack IDs, not @names: ${HOW_TO_ID}`;

/** What is wrong with an entry of `admins` or a permissions list, or undefined when it is a user or user group ID. */
export function principalProblem(entry: string): string | undefined {
  if (isUserId(entry) || isGroupId(entry)) return undefined;
  const shown = JSON.stringify(entry);
  const t = entry.trim();
  if (t !== entry && (isUserId(t) || isGroupId(t))) return `${shown} has spaces around it; write just ${t}`;
  if (t.startsWith('@')) return `${shown} is a Slack name, not an ID (names change, IDs don't); ${HOW_TO_ID}`;
  if (t.startsWith('#') || /^[CGD][A-Z0-9]{2,}$/.test(t))
    return `${shown} is a channel; permissions name people and user groups, not channels: ${HOW_TO_ID}`;
  if (t.startsWith('<@') || t.startsWith('<!subteam^'))
    return `${shown} is a Slack mention; write just the ID inside it, e.g. U0123ABCD or S0123ABCD`;
  if (t.includes('@')) return `${shown} is an email address; ${HOW_TO_ID}`;
  if (isUserId(t.toUpperCase()) || isGroupId(t.toUpperCase())) return `${shown}: Slack IDs are upper case; write ${t.toUpperCase()}`;
  return `${shown} is not a Slack user or user group ID; ${HOW_TO_ID}`;
}

/** Which list decides the action, and its name for people; undefined: open to everyone. */
function governing(i: Omit<PermInput, 'memberOf'>): { rule: string; allowed: readonly string[]; isAdmins: boolean } | undefined {
  const key = (a: PermAction) => `apps.${i.app}.environments.${i.env}.permissions.${a}`;
  const list = i.rules[i.action];
  if (list) return { rule: key(i.action), allowed: list, isAdmins: false };
  if (i.action !== 'override') return undefined;
  if (i.admins.length > 0) return { rule: 'admins (override without a list)', allowed: i.admins, isAdmins: true };
  if (i.rules.deploy) return { rule: `${key('deploy')} (override without a list or admins)`, allowed: i.rules.deploy, isAdmins: false };
  return undefined;
}

/**
 * The user groups `decide` may have to ask about for this input: none when the action is open or
 * the person is listed by their own ID. The adapter looks these up before calling `decide`.
 */
export function groupsToCheck(i: Omit<PermInput, 'memberOf'>): string[] {
  const g = governing(i);
  if (!g || g.allowed.includes(i.user) || i.admins.includes(i.user)) return [];
  return [...new Set([...g.allowed, ...i.admins].filter(isGroupId))];
}

export function decide(i: PermInput): PermDecision {
  const g = governing(i);
  if (!g) return { ok: true, via: 'open' };
  if (g.allowed.includes(i.user)) return { ok: true, via: g.isAdmins ? 'admin' : 'listed' };
  if (i.admins.includes(i.user)) return { ok: true, via: 'admin' };
  const unknown: string[] = [];
  const inAny = (ids: readonly string[]): boolean => {
    let found = false;
    for (const id of ids.filter(isGroupId)) {
      const m = i.memberOf(id);
      if (m === true) found = true;
      else if (m === undefined && !unknown.includes(id)) unknown.push(id);
    }
    return found;
  };
  if (inAny(g.allowed)) return { ok: true, via: g.isAdmins ? 'admin' : 'group' };
  if (inAny(i.admins)) return { ok: true, via: 'admin' };
  return { ok: false, rule: g.rule, allowed: [...g.allowed], ...(unknown.length > 0 && { unknownGroups: unknown }) };
}

/** `<@U…>` for a person, `<!subteam^S…>` for a user group (Slack shows its handle). */
export function principalMention(id: string): string {
  return isGroupId(id) ? `<!subteam^${id}>` : mention(id);
}

/** "A", "A and B", "A, B and C"; long lists end "and N more". */
export function mentionList(ids: readonly string[], max = 8): string {
  const shown = ids.slice(0, max).map(principalMention);
  if (ids.length > max) shown.push(`${ids.length - max} more`);
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

const WHAT: Record<PermAction, (target: string) => string> = {
  deploy: (t) => `deploy to ${t}`,
  lock: (t) => `lock ${t}`,
  freeze: (t) => `freeze or unfreeze ${t}`,
  override: (t) => `override the deploy rules of ${t}`,
};

/** Slack mrkdwn for a refusal: what refused, who it lets through, and whom to ask. */
export function refusalText(
  d: Extract<PermDecision, { ok: false }>,
  action: PermAction,
  app: string,
  env: string,
  admins: readonly string[],
): string {
  const target = `\`${app}\` *${env}*`;
  const [, key, note] = /^(\S+)(.*)$/.exec(d.rule) ?? ['', d.rule, ''];
  const rule = `\`${key}\`${note}`;
  const allows = d.allowed.length > 0 ? `${rule} allows ${mentionList(d.allowed)}` : `${rule} allows nobody`;
  const sameAsAdmins = admins.length > 0 && d.allowed.length === admins.length && d.allowed.every((a) => admins.includes(a));
  const adminHelp = admins.length > 0 && !sameAsAdmins ? `, or an admin (${mentionList(admins)})` : '';
  if (d.unknownGroups?.length) {
    const groups = mentionList(d.unknownGroups);
    return (
      `You can't ${WHAT[action](target)} right now: Ferry couldn't check membership of ${groups} (Slack didn't answer), and ${allows}. ` +
      `Try again in a minute; if it keeps happening, ask one of them${adminHelp}.`
    );
  }
  return `You can't ${WHAT[action](target)}: ${allows}. Ask one of them${adminHelp}.`;
}
