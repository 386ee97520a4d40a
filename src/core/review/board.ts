import { ago, code, context, MAX_BLOCKS, pack, type Rendered, section } from '../board-blocks';
import { shortSha } from '../deploy';
import { escapeMrkdwn, mention, mrkdwnToPlain, slackLink } from '../slack-format';
import { pullUrl } from './feed-message';
import { isAround, type ReviewApp, type ReviewState } from './review-app';

/** One app's review apps, for `/deploys review [app]`. */
export interface ReviewBoardApp {
  app: string;
  /** The repository, owner/name ('' when unknown: the PR numbers are then not linked). */
  repo: string;
  reviews: readonly ReviewApp[];
}

export interface ReviewBoardInput {
  apps: readonly ReviewBoardApp[];
  /** GitHub login (lower-case) -> Slack user ID (`people:`). */
  people: Readonly<Record<string, string>>;
  now: number;
  /** GitHub's web URL (GitHub Enterprise's); default https://github.com. */
  webUrl?: string;
}

const STATE: Record<Exclude<ReviewState, 'gone'>, string> = {
  waiting: ':hourglass: waiting for a place',
  deploying: ':rocket: deploying',
  live: ':large_green_circle: live',
  failed: ':x: deploy failed',
  'tearing-down': ':construction: tearing down',
  'teardown-failed': ':warning: teardown failed, Ferry tries again',
};

/**
 * `/deploys review [app]`: the review apps that are around (not torn down), per app, oldest pull
 * request first: PR (linked) and title, author, age, state and URL.
 */
export function renderReviewBoard(input: ReviewBoardInput): Rendered {
  const blocks: Record<string, unknown>[] = [];
  const texts: string[] = [];
  const room = Math.max(1, Math.floor((MAX_BLOCKS - 1) / Math.max(1, input.apps.length)) - 1);
  for (const a of input.apps) {
    const around = a.reviews.filter(isAround).sort((x, y) => x.pr - y.pr);
    if (around.length === 0) {
      const text = `No review apps are live for ${code(a.app)}.`;
      blocks.push(section(text));
      texts.push(mrkdwnToPlain(text));
      continue;
    }
    const title = `*Review apps of ${code(a.app)}*: ${around.length} around`;
    blocks.push(
      section(title),
      ...pack(
        around.map((r) => line(r, a.repo, input)),
        '\n',
        room,
        'review apps',
        false,
      ).map(section),
    );
    texts.push(`Review apps of ${a.app}: ${around.length}`);
  }
  blocks.push(context(`${code('/deploy pr-<number>')} redeploys one · ${code('/deploy pr-<number> teardown')} tears it down`));
  return { text: texts.join('; '), blocks };
}

function line(r: ReviewApp, repo: string, input: ReviewBoardInput): string {
  const name = `#${r.pr}`;
  const pr = repo ? slackLink(pullUrl(repo, r.pr, input.webUrl), name) : name;
  const slack = input.people[r.author.toLowerCase()];
  const author = slack ? mention(slack) : escapeMrkdwn(r.author);
  const state = r.state === 'gone' ? '' : STATE[r.state];
  const where =
    r.state === 'waiting' && r.place !== undefined
      ? ` (#${r.place} in line)`
      : r.deployedSha && (r.state === 'live' || r.state === 'failed')
        ? ` (\`${shortSha(r.deployedSha)}\`)`
        : '';
  const url = r.url && r.state !== 'waiting' ? ` · ${slackLink(r.url, r.url)}` : '';
  const title = r.title ? ` ${escapeMrkdwn(r.title)}` : '';
  return `*${pr}*${title} · by ${author} · opened ${ago(r.openedAt, input.now)} · ${state}${where}${url}`;
}
