import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { shortSha } from '../core/deploy';
import { groupAuthors } from '../core/release/authors';
import type { Commit, CommitRange, NewRelease, ReleaseFields } from '../core/release/types';
import { escapeMrkdwn, suggestedCommand } from '../core/slack-format';
import { FerryError } from '../errors';
import type { CommitSource } from '../source/types';
import type { DeployStore } from '../store/deploys';
import type { People } from './people';

/** How much of the source's history a release to a never-deployed target lists. */
export const NO_BASE_COMMITS = 50;

/**
 * What a release is asked for: from `from` to `to`; `tag` pins the source to a tag's commit
 * (`auto_release:`) instead of what `from` runs (`from` still names the env its rules refer to).
 */
export interface ReleaseRequest {
  app: string;
  from: string;
  to: string;
  force: boolean;
  tag?: { name: string; sha: string };
}

export type Plan = { kind: 'plan'; release: NewRelease; commits: Commit[] } | { kind: 'refused'; text: string };

export interface PlanDeps {
  config: FerryConfig;
  sources: Record<string, CommitSource>;
  deploys: Pick<DeployStore, 'envState'>;
  people: Pick<People, 'lookups'>;
  log: Logger;
}

/**
 * What a release from `from` to `to` would ship: the SHA running on the source, the one on the
 * target, the commits between them (from GitHub or local git), and their authors as Slack users.
 * Refuses, saying why and what to do, when there is nothing to ship, the source was never
 * deployed, or (unless forced) the two have diverged. With `req.tag` the source is the tag's
 * commit, and the messages name the tag where they would name the source env.
 */
export async function planRelease(d: PlanDeps, req: ReleaseRequest, requester: string, now: number): Promise<Plan> {
  const { app, from, to, tag } = req;
  const policy = d.config.apps[app]!.envs[to]!.release;
  const [source, target] = await Promise.all([
    tag ? { sha: tag.sha, ref: tag.name } : d.deploys.envState(app, from),
    d.deploys.envState(app, to),
  ]);
  const whereEnv = (env: string) => `\`${escapeMrkdwn(app)}\` *${escapeMrkdwn(env)}*`;
  const where = (env: string) => (tag && env === from ? `tag \`${escapeMrkdwn(tag.name)}\`` : whereEnv(env));
  if (!source.sha) {
    return {
      kind: 'refused',
      text: `Nothing to release: ${where(from)} has had no successful deploy through Ferry, so I don't know what runs there. Deploy it first, e.g. ${suggestedCommand(`/deploy ${app} ${from} ${d.config.apps[app]!.defaultBranch}`)}.`,
    };
  }
  const commitSource = d.sources[app]!;
  const sourceSha = source.sha;
  const targetSha = target.sha || undefined;
  if (targetSha === sourceSha)
    return { kind: 'refused', text: `Nothing to ship: ${where(to)} already runs \`${shortSha(sourceSha)}\`, the same as ${where(from)}.` };
  let range: CommitRange | undefined;
  let commits: Commit[];
  // Authors are looked up as the compare's pages come in, not after the last one.
  const lookups = d.people.lookups();
  const onCommits = (cs: readonly Commit[]) => lookups.add(cs);
  try {
    if (targetSha) {
      range = await commitSource.compare(targetSha, sourceSha, { onCommits });
      commits = range.kind === 'ahead' || range.kind === 'diverged' ? range.commits : [];
    } else {
      commits = await commitSource.history(sourceSha, NO_BASE_COMMITS, { onCommits });
    }
  } catch (err) {
    if (err instanceof FerryError) return { kind: 'refused', text: `${err.message} No release was opened.` };
    throw err;
  }
  if (range?.kind === 'identical' || range?.kind === 'behind') {
    const behind = range.kind === 'behind' ? ` (${where(to)} is ${range.behind} commit${range.behind === 1 ? '' : 's'} ahead of it)` : '';
    return {
      kind: 'refused',
      text: `Nothing to ship: everything on ${where(from)} (\`${shortSha(sourceSha)}\`) is already on ${where(to)} (\`${shortSha(targetSha!)}\`)${behind}.`,
    };
  }
  if (range?.kind === 'diverged' && !req.force && tag) {
    return {
      kind: 'refused',
      text: `${where(from)} (\`${shortSha(sourceSha)}\`) has diverged from ${where(to)} (\`${shortSha(targetSha!)}\`): the tag has ${range.commits.length} commit${range.commits.length === 1 ? '' : 's'} ${to} doesn't, and ${to} has ${range.behind} that the tag doesn't (a hotfix?). Shipping it would take ${range.behind === 1 ? 'that commit' : `those ${range.behind}`} off ${to}, so no release was opened; tag a commit that contains ${to}'s.`,
    };
  }
  if (range?.kind === 'diverged' && !req.force) {
    const cmd = suggestedCommand(`/release ${app} ${from} ${to} force`);
    return {
      kind: 'refused',
      text: `${where(from)} (\`${shortSha(sourceSha)}\`) has diverged from ${where(to)} (\`${shortSha(targetSha!)}\`): ${from} has ${range.commits.length} commit${range.commits.length === 1 ? '' : 's'} ${to} doesn't, and ${to} has ${range.behind} that ${from} doesn't (a hotfix?). Shipping ${from} would take ${range.behind === 1 ? 'that commit' : `those ${range.behind}`} off ${to}. Bring ${from} up to date with ${to} first, or ${cmd} if that is what you want.`,
    };
  }
  if (commits.length === 0) {
    return {
      kind: 'refused',
      text: `Nothing to ship: between \`${shortSha(targetSha ?? sourceSha)}\` and \`${shortSha(sourceSha)}\` there are only merge commits.`,
    };
  }
  const { slackOf, unanswered } = await lookups.resolve(commits);
  if (unanswered > 0) {
    return {
      kind: 'refused',
      text: `Slack didn't tell me who ${unanswered === 1 ? 'one of the commit authors is' : `${unanswered} of the commit authors are`} (users.lookupByEmail failed or was too slow), so I can't tell whose OK this release needs; no release was opened. Try again in a minute: the answers that came are remembered. Listing authors under \`people:\` in the config avoids the lookup.`,
    };
  }
  const grouped = groupAuthors(commits, slackOf, policy.unmapped);
  const fields: ReleaseFields = targetSha
    ? { backout: `Roll back ${to} to \`${shortSha(targetSha)}\`, what runs there now: /rollback ${app} ${to} ${shortSha(targetSha)}` }
    : {};
  const release: NewRelease = {
    app,
    from,
    to,
    sourceSha,
    requester,
    createdAt: now,
    commitCount: commits.length,
    authors: grouped.authors,
    fields,
    ...(targetSha && { targetSha }),
    ...(source.ref && source.ref !== sourceSha && { sourceRef: source.ref }),
    ...(tag && { tag: tag.name }),
    ...(range?.kind === 'diverged' && { diverged: { ahead: range.ahead, behind: range.behind } }),
    ...(!targetSha && { noBase: true }),
    ...(range?.compareUrl && { compareUrl: range.compareUrl }),
  };
  return { kind: 'plan', release, commits: grouped.commits };
}
