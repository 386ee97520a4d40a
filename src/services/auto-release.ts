import type { Logger } from 'pino';
import type { FerryConfig } from '../core/config/types';
import { autoReleaseTargets, GITHUB_USER, pushUser, type TagEvent, tagNotReleasedText } from '../core/github-push';
import { escapeMrkdwn } from '../core/slack-format';
import type { CommitSource } from '../source/types';
import type { ReleaseService } from './releases';

/** The requester of a release opened from a tag whose pusher maps to no Slack user (`people:`). */
export const FERRY_USER = 'ferry';

export interface AutoReleaseDeps {
  config: FerryConfig;
  sources: Record<string, CommitSource>;
  releases: Pick<ReleaseService, 'open'>;
  /** Posts a line in the feed channel (a tag that opened no release). */
  postFeed: (text: string) => Promise<void>;
}

/**
 * `auto_release:`: a new tag (`tags`: its push, or its `create` event) or a published GitHub release
 * (`releases`) whose name matches `release_tags:` opens a release of the tag's commit to the env,
 * through ReleaseService.open with the source pinned to the tag. The idempotency key
 * `github-tag:<app>:<env>:<tag>` makes the push and the create of one tag (and any redelivery)
 * open one release. A release that could not be opened (one is open already, nothing to ship, …)
 * is said in the feed with ReleaseService's words.
 */
export class AutoReleases {
  /** Events are handled one at a time, in the order they arrived. */
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly d: AutoReleaseDeps) {}

  /** Opens the releases `ev` asks for; returns the IDs of the releases opened (or opened before for the same tag). */
  handle(ev: TagEvent, log: Logger): Promise<number[]> {
    const turn = this.chain.then(() => this.run(ev, log));
    this.chain = turn.catch(() => {});
    return turn;
  }

  private async run(ev: TagEvent, log: Logger): Promise<number[]> {
    const targets = autoReleaseTargets(this.d.config, ev);
    if (targets.length === 0) {
      log.info({ repo: ev.repo, tag: ev.tag, kind: ev.kind }, 'tag releases nowhere');
      return [];
    }
    const mapped = pushUser(this.d.config.people, ev);
    const user = mapped === GITHUB_USER ? FERRY_USER : mapped;
    const ids: number[] = [];
    for (const { app, env } of targets) {
      const from = this.d.config.apps[app]!.envs[env]!.promoteFrom!;
      const sha = ev.sha ?? (await this.resolve(app, ev.tag, log));
      if (!sha) {
        await this.d.postFeed(
          tagNotReleasedText(
            ev,
            app,
            env,
            `${escapeMrkdwn(this.d.sources[app]!.label)} has no tag \`${escapeMrkdwn(ev.tag)}\` (deleted already?).`,
          ),
        );
        continue;
      }
      const answer = await this.d.releases.open(
        { app, from, to: env, force: false, tag: { name: ev.tag, sha } },
        user,
        `github-tag:${app}:${env}:${ev.tag}`,
      );
      if (answer.releaseId !== undefined) {
        log.info({ app, env, tag: ev.tag, sha, releaseId: answer.releaseId }, 'tag release opened');
        ids.push(answer.releaseId);
      } else {
        log.info({ app, env, tag: ev.tag, sha }, 'tag not released');
        await this.d.postFeed(tagNotReleasedText(ev, app, env, answer.text));
      }
    }
    return ids;
  }

  private async resolve(app: string, tag: string, log: Logger): Promise<string | undefined> {
    try {
      return await this.d.sources[app]!.resolveRef(`tags/${tag}`);
    } catch (err) {
      log.warn({ app, tag, err: (err as Error).message }, 'could not resolve the tag');
      throw err;
    }
  }
}
