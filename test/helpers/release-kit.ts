import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '../../src/main';
import type { AuditEntry } from '../../src/store/audit';
import { latest, type MessageVersion, type PostedMessage } from './fake-slack';
import { makeTeamRepo, type TeamRepo } from './git-repo';
import { Harness, LOCAL_DEPLOY } from './harness';

/** Slack users of the release tests: the three commit authors, a release manager, QA, an approver, an admin. */
export const ANA = 'U0ANA';
export const BEN = 'U0BEN';
export const CARLA = 'U0CARLA';
/** Release manager: opens releases, may deploy production, has no commits. */
export const DAN = 'U0DAN';
/** Has no commits and may not deploy production. */
export const QA = 'U0QA';
/** A second required approver (with DAN) where approvers are configured. */
export const ELLA = 'U0ELLA';
export const ADMIN = 'U0ADMIN';

export const FEED = 'C0FEED';
export const PRODUCT = 'C0PRODUCT';

export interface Ferry {
  h: Harness;
  repo: TeamRepo;
}

export interface FerryOptions {
  /** production's `release:` rules. */
  release?: Record<string, unknown>;
  /** Commits come from the (fake) GitHub API as acme/web instead of the local repository. */
  github?: boolean;
  /** Carla has a Slack user (found by users.lookupByEmail); false leaves her unmapped. */
  carla?: boolean;
  now?: () => number;
  /** Ferry's environment on top of the harness's (e.g. REDIS_CLUSTER_NODES), and the role it runs in this process (default `all`). */
  env?: Record<string, string>;
  role?: Role;
  /** production's deploy command (default: LOCAL_DEPLOY into deployRoot). */
  productionDeploy?: (h: { dir: string; deployRoot: string }) => string[];
}

/**
 * Ferry with one app `web` built from a three-author repository (makeTeamRepo): staging deploys
 * with LOCAL_DEPLOY, production too and is promoted from staging under `release` rules; Ana and
 * Ben are mapped in `people:` (Ben by his GitHub login when `github`), Carla by her email in Slack.
 * Production may be deployed by Ana, Ben, Dan and the admin, not by Carla or QA.
 */
export async function startFerry(o: FerryOptions = {}): Promise<Ferry> {
  let repo!: TeamRepo;
  const h = await Harness.start({
    ...(o.now && { now: o.now }),
    ...(o.env && { env: o.env }),
    ...(o.role && { role: o.role }),
    config: ({ dir, deployRoot }) => {
      const productionDeploy = o.productionDeploy?.({ dir, deployRoot }) ?? [LOCAL_DEPLOY, deployRoot];
      repo = makeTeamRepo(path.join(dir, 'team'));
      const source = o.github ? { repo: 'acme/web', clone_url: repo.path } : { path: repo.path };
      return {
        feed_channel: FEED,
        admins: [ADMIN],
        people: o.github ? { 'ana@example.com': ANA, benok: BEN } : { 'ana@example.com': ANA, 'ben@example.com': BEN },
        apps: {
          web: {
            ...source,
            environments: {
              staging: { deploy: [LOCAL_DEPLOY, deployRoot] },
              production: {
                deploy: productionDeploy,
                promote_from: 'staging',
                permissions: { deploy: [ANA, BEN, DAN, ADMIN] },
                release: o.release ?? {},
              },
            },
          },
        },
      };
    },
  });
  if (o.github) {
    h.github.repos.set('acme/web', repo.path);
    h.github.logins.set('ben@example.com', 'benok');
  }
  if (o.carla !== false) h.slack.emails.set('carla@example.com', CARLA);
  return { h, repo };
}

/** Deploys `ref` to `env` as `user` and waits for it to succeed; returns the deploy id. */
export async function deployed(h: Harness, env: string, ref: string, user = ANA): Promise<number> {
  const d = await h.deploy(`${env} ${ref}`, user);
  await h.slack.waitForFeed(d.id, 'succeeded');
  return d.id;
}

export interface Opened {
  id: number;
  answer: string;
  /** What staging runs (the release's source SHA), and production (its target). */
  source: string;
  target: string;
  summary: PostedMessage;
}

/**
 * Production at `target` (default: the repo's base), staging at `source` (default: main), then
 * `/release` by `user` (default Dan); waits for the summary in the feed.
 */
export async function openRelease(f: Ferry, o: { target?: string; source?: string; user?: string; text?: string } = {}): Promise<Opened> {
  const { h, repo } = f;
  const target = o.target ?? repo.base;
  await deployed(h, 'production', target);
  await deployed(h, 'staging', o.source ?? 'main');
  const r = await h.slash('/release', o.text ?? '', o.user ?? DAN);
  const answer = await h.answer(r.id);
  const m = /release #(\d+)\*/.exec(answer);
  if (!m) throw new Error(`the release was not opened: ${answer}`);
  const id = Number(m[1]);
  return { id, answer, source: repo.sha(o.source ?? 'main'), target, summary: await summaryMessage(h, id) };
}

/** Release #id's one message in the feed. */
export function summaryMessage(h: Harness, id: number): Promise<PostedMessage> {
  return h.slack.waitFor(`release #${id}'s summary`, () =>
    h.slack.messages.find((m) => m.channel === FEED && !m.thread_ts && m.versions[0]!.text.startsWith(`Release #${id} of `)),
  );
}

/** Every text of a message's blocks (header, sections, context), one after the other. */
export function textOf(v: MessageVersion): string {
  return (v.blocks as { type: string; text?: { text?: string }; elements?: { text?: unknown }[] }[])
    .map((b) =>
      b.type === 'context' ? (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : '')).join(' ') : (b.text?.text ?? ''),
    )
    .filter(Boolean)
    .join('\n');
}

/** The buttons on a message version: their action ids (and values). */
export function buttonsOf(v: MessageVersion): { action: string; value: string; text: string }[] {
  return (v.blocks as { type: string; elements?: { action_id?: string; value?: string; text?: { text?: string } }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => ({ action: e.action_id ?? '', value: e.value ?? '', text: e.text?.text ?? '' }));
}

export const actionsOf = (v: MessageVersion): string[] => buttonsOf(v).map((b) => b.action);

/** The summary's "Who says OK" line of a Slack user (or of a name with no Slack user). */
export function authorLineOf(v: MessageVersion, who: string): string | undefined {
  const label = /^[UW][A-Z0-9]+$/.test(who) ? `<@${who}>` : who;
  return textOf(v)
    .split('\n')
    .find((l) => l.startsWith(`• ${label} · `) && / · \d+ commits? · /.test(l));
}

/** Waits until the summary's latest version passes `ok`; returns that version. */
export function summaryWhen(
  h: Harness,
  m: PostedMessage,
  what: string,
  ok: (text: string, v: MessageVersion) => boolean,
): Promise<MessageVersion> {
  return h.slack.waitFor(`the summary to show ${what}`, () => {
    const v = latest(m);
    return ok(textOf(v), v) ? v : undefined;
  });
}

/** A deploy's record in Redis (sha, status, user, ref...). */
export function deployRecord(h: Harness, id: number): Promise<Record<string, string>> {
  return h.redis.hgetall(`${h.prefix}:deploy:${id}`);
}

/** The SHA LOCAL_DEPLOY last made live on `env`. */
export function liveSha(h: Harness, env: string): string {
  return readFileSync(path.join(h.deployRoot, 'web', env, 'REVISION'), 'utf8').trim();
}

/** The audit log of web/production (newest first), release entries only. */
export async function releaseAudit(h: Harness): Promise<AuditEntry[]> {
  return (await h.redis.lrange(`${h.prefix}:audit:env:web:production`, 0, -1))
    .map((e) => JSON.parse(e) as AuditEntry)
    .filter((e) => e.action === 'release');
}

/** Top-level feed messages that are neither deploys nor release summaries (freezes, unfreezes). */
export function feedLines(h: Harness): string[] {
  return h.slack.messages
    .filter((m) => m.channel === FEED && !m.thread_ts && !/^(Deploy|Release) #\d+ /.test(m.versions[0]!.text))
    .map((m) => latest(m).text);
}

/** How many deploys Ferry has accepted so far. */
export async function deployCount(h: Harness): Promise<number> {
  return Number((await h.redis.get(`${h.prefix}:deploy:seq`)) ?? 0);
}

export const short = (sha: string): string => sha.slice(0, 7);

export interface Modal {
  callback_id: string;
  private_metadata: string;
  title: { text: string };
  blocks: { block_id: string; element: { action_id: string; initial_value?: string; initial_option?: { value: string } } }[];
}

/** The n-th modal Ferry opened (views.open), as Slack got it. */
export async function modal(h: Harness, n = 1): Promise<Modal> {
  const call = await h.slack.waitFor(`modal #${n} to open`, () => h.slack.calls.filter((c) => c.method === 'views.open')[n - 1]);
  const view = call.body.view;
  return (typeof view === 'string' ? JSON.parse(view) : view) as Modal;
}

/** What a modal's input shows when it opens. */
export const initialOf = (m: Modal, block: string): string | undefined => {
  const el = m.blocks.find((b) => b.block_id === block)?.element;
  return el?.initial_value ?? el?.initial_option?.value;
};

/** The DM Ferry sent `user` that matches `match` (a message posted to the user ID; Slack's channel for it is D<user>). */
export function dmMessage(h: Harness, user: string, match: RegExp = /./): Promise<PostedMessage> {
  return h.slack.waitFor(`a DM to ${user} matching ${match}`, () =>
    h.slack.messages.find((m) => m.channel === user && match.test(m.versions[0]!.text)),
  );
}

/** Where a button on a DM is clicked. */
export const inDm = (m: PostedMessage): { channel: string; ts: string } => ({ channel: `D${m.channel}`, ts: m.ts });
