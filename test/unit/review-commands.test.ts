import { REVIEW_SHA, REVIEW_T0, reviewApp } from './review-fixtures';
import { parseConfig } from '../../src/config/load';
import type { FerryConfig } from '../../src/core/config/types';
import { deployHelp, parseDeploy } from '../../src/core/parse/deploy';
import { deploysHelp, parseDeploys } from '../../src/core/parse/deploys';
import type { Parse } from '../../src/core/parse/target';
import { renderReviewBoard } from '../../src/core/review/board';
import type { ReviewApp } from '../../src/core/review/review-app';
import { BoardService } from '../../src/services/board';
import { oneApp } from './fixtures';

const REVIEW = `
      review_apps:
        deploy: [commands/review-up.sh]
        teardown: [commands/review-down.sh]
        url: https://pr-{number}.review.acme.dev`;

/** Three apps: web and api have review apps, docs has none. */
const config: FerryConfig = parseConfig(
  `
feed_channel: C0FEED
people:
  ana-gh: U0ANA
apps:
  web:
    repo: acme/shop
    environments:
      production:
        deploy: [commands/deploy.sh]
${REVIEW.replace(/^ {6}/gm, '    ')}
  api:
    repo: acme/api
    environments:
      production:
        deploy: [commands/deploy.sh]
${REVIEW.replace(/^ {6}/gm, '    ')}
  docs:
    repo: acme/docs
    environments:
      production:
        deploy: [commands/deploy.sh]
`,
  '/srv/ferry/ferry.yml',
);

const T0 = REVIEW_T0;
const HOUR = 3_600_000;
const SHA = REVIEW_SHA;

const review = (over: Partial<ReviewApp> = {}): ReviewApp => reviewApp({ deployedSha: SHA, ...over });

const errorOf = (p: Parse<unknown> | { kind: string }): string => {
  if (p.kind !== 'error' || !('message' in p)) throw new Error(`expected an error, got ${JSON.stringify(p)}`);
  return p.message as string;
};
const text = (r: { blocks: Record<string, unknown>[] }) => JSON.stringify(r.blocks);

describe('/deploys review [app]: parsed', () => {
  const parse = (t: string, c = config) => parseDeploys(t, c, 'U0ME');

  test('an app with review apps, or (several) all of them', () => {
    expect(parse('review web')).toEqual({ kind: 'ok', value: { kind: 'review', app: 'web' } });
    expect(parse('REVIEW api')).toEqual({ kind: 'ok', value: { kind: 'review', app: 'api' } });
    expect(parse('review')).toEqual({ kind: 'ok', value: { kind: 'review' } });
  });

  test('an app without review apps names those that have them', () => {
    expect(errorOf(parse('review docs'))).toBe(
      '`docs` has no review apps (no `review_apps:` in ferry.yml). Apps with review apps: `web`, `api`: e.g. `/deploys review web`.',
    );
    expect(errorOf(parse('review wbe'))).toContain('There is no app `wbe` with review apps. Did you mean `web`?');
    expect(errorOf(parse('review web extra'))).toContain("I don't know what to do with `extra`");
  });

  test('with no app that has review apps, how to get them', () => {
    expect(errorOf(parse('review', oneApp()))).toContain('Add `review_apps:`');
  });

  test('a config without review apps whose env is called review: `/deploys review` is that env, as before', () => {
    const old = parseConfig(
      'feed_channel: C0FEED\napps:\n  web:\n    repo: acme/shop\n    environments:\n      review:\n        deploy: [commands/deploy.sh]\n',
      '/srv/ferry/ferry.yml',
    );
    expect(parse('review', old)).toEqual({ kind: 'ok', value: { kind: 'history', app: 'web', env: 'review' } });
  });

  test('help names it where review apps exist', () => {
    expect(deploysHelp(config)).toContain('*Review apps:* `/deploys review [app]`');
    expect(deploysHelp(oneApp())).not.toContain('/deploys review');
  });
});

describe('/deploys review: the answer', () => {
  test('each review app around: PR linked, title, author (mentioned when known), age, state and URL', () => {
    const r = renderReviewBoard({
      apps: [
        {
          app: 'web',
          repo: 'acme/shop',
          reviews: [
            review({ pr: 51, title: 'New <nav>', author: 'bob-gh', state: 'waiting', place: 1, openedAt: T0 + HOUR }),
            review(),
            review({ pr: 7, state: 'gone', gone: { reason: 'merged', at: T0 } }),
          ],
        },
      ],
      people: config.people,
      now: T0 + 3 * HOUR,
    });
    const lines = (r.blocks[1] as { text: { text: string } }).text.text.split('\n');
    expect(lines).toEqual([
      '*<https://github.com/acme/shop/pull/42|#42>* Faster checkout · by <@U0ANA> · opened 3h ago · :large_green_circle: live (`abc1234`) · <https://pr-42.review.acme.dev|https://pr-42.review.acme.dev>',
      '*<https://github.com/acme/shop/pull/51|#51>* New &lt;nav&gt; · by bob-gh · opened 2h ago · :hourglass: waiting for a place (#1 in line)',
    ]);
    expect(text(r)).not.toContain('#7');
  });

  test('none around: says so', () => {
    const r = renderReviewBoard({ apps: [{ app: 'web', repo: 'acme/shop', reviews: [review({ state: 'gone' })] }], people: {}, now: T0 });
    expect((r.blocks[0] as { text: { text: string } }).text.text).toBe('No review apps are live for `web`.');
  });

  test('BoardService: several apps grouped per app; without the review app store, not set up', async () => {
    const stores: Record<string, ReviewApp[]> = { web: [review()], api: [review({ app: 'api', pr: 3, env: 'pr-3' })] };
    const board = (reviewApps?: (app: string) => Promise<ReviewApp[]>) =>
      new BoardService({
        config,
        deploys: {} as never,
        locks: {} as never,
        queues: {} as never,
        audit: {} as never,
        commitUrl: () => undefined,
        now: () => T0 + HOUR,
        ...(reviewApps && { reviewApps }),
      });
    const all = await board(async (app) => stores[app] ?? []).answer({ kind: 'review' });
    const sections = all.blocks!.map((b) => JSON.stringify(b));
    expect(sections.findIndex((s) => s.includes('Review apps of `web`'))).toBeLessThan(
      sections.findIndex((s) => s.includes('Review apps of `api`')),
    );
    expect(text(all as { blocks: Record<string, unknown>[] })).toContain('https://github.com/acme/api/pull/3|#3');
    expect((await board().answer({ kind: 'review', app: 'web' })).text).toContain('Review apps are not set up here');
  });
});

describe('/deploy pr-42 [ref] and /deploy pr-42 teardown: parsed', () => {
  const parse = (t: string) => parseDeploy(t, config);

  test("a review app's redeploy (its head, or a ref) and teardown, with the app named", () => {
    expect(parse('web pr-42')).toEqual({ kind: 'review', app: 'web', pr: 42, action: 'deploy' });
    expect(parse('api pr-7 feature/x')).toEqual({ kind: 'review', app: 'api', pr: 7, action: 'deploy', ref: 'feature/x' });
    expect(parse('web pr-42 teardown')).toEqual({ kind: 'review', app: 'web', pr: 42, action: 'teardown' });
    expect(parse('web pr-42 TEARDOWN')).toEqual({ kind: 'review', app: 'web', pr: 42, action: 'teardown' });
  });

  test('with one app, the app may be left out', () => {
    const one = parseConfig(
      `
feed_channel: C0FEED
apps:
  web:
    repo: acme/shop
    environments:
      production:
        deploy: [commands/deploy.sh]
${REVIEW.replace(/^ {6}/gm, '    ')}
`,
      '/srv/ferry/ferry.yml',
    );
    expect(parseDeploy('pr-42', one)).toEqual({ kind: 'review', app: 'web', pr: 42, action: 'deploy' });
    expect(parseDeploy('pr-42 teardown', one)).toEqual({ kind: 'review', app: 'web', pr: 42, action: 'teardown' });
    expect(parseDeploy('production', one)).toMatchObject({ kind: 'ok', value: { env: 'production' } });
  });

  test('what a review app does not take', () => {
    expect(errorOf(parse('web pr-42 main extra'))).toContain(
      "I don't know what to do with `extra`: a review app takes one ref, or `teardown`",
    );
    expect(errorOf(parse('web pr-42 main override hotfix'))).toContain('A review app has no deploy window to override');
    expect(errorOf(parse('web pr-42 $(rm)'))).toContain("Can't deploy that ref");
    expect(errorOf(parse('docs pr-42'))).toContain('`docs` has no environment `pr-42`');
    expect(errorOf(parse('web pr-0'))).toContain('`web` has no environment `pr-0`');
  });

  test('help names review apps where they exist', () => {
    expect(deployHelp(config)).toContain('*Review apps:* `/deploy [app] pr-&lt;number&gt; [ref]`');
    expect(deployHelp(oneApp())).not.toContain('Review apps');
  });
});
