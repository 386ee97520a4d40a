import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Commit } from '../../src/core/release/types';
import { People, type UsersClient } from '../../src/services/people';
import type { Keys } from '../../src/store/keys';
import { eventually } from '../helpers/wait';
import { deletePrefix, newRedis, uniqueKeys } from './fixtures';

/** Commit authors to Slack users: the config's people: first, then users.lookupByEmail, cached in Redis. */

let redis: Redis;
let k: Keys;
beforeAll(() => {
  redis = newRedis();
});
beforeEach(() => {
  k = uniqueKeys('people');
});
afterEach(async () => {
  await deletePrefix(redis, k);
});
afterAll(async () => {
  await redis.quit();
});

let n = 0;
const commit = (authorName: string, authorEmail: string, authorLogin?: string): Commit => ({
  sha: String(++n),
  subject: 's',
  authorName,
  authorEmail,
  date: n,
  ...(authorLogin && { authorLogin }),
});

/** Slack's users.lookupByEmail over `members` (email -> user), counting the calls; others are users_not_found. */
function slackWith(
  members: Record<string, { id: string; is_bot?: boolean; deleted?: boolean } | 'fail'>,
): UsersClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    users: {
      lookupByEmail: async ({ email }) => {
        asked.push(email);
        const m = members[email];
        if (m === 'fail')
          throw Object.assign(new Error('An API error occurred: internal_error'), { data: { ok: false, error: 'internal_error' } });
        if (!m) throw Object.assign(new Error('An API error occurred: users_not_found'), { data: { ok: false, error: 'users_not_found' } });
        return { ok: true, user: m };
      },
    },
  };
}

const people = (slack: UsersClient, map: Record<string, string> = {}, deadlineMs?: number) =>
  new People({ people: map, slack, redis, k, log: pino({ level: 'silent' }), ...(deadlineMs !== undefined && { deadlineMs }) });

test('people: by GitHub login, by email (any case) and by the login in a noreply email; nobody mapped there is looked up', async () => {
  const slack = slackWith({});
  const cs = [
    commit('Octo', 'octo@example.com', 'OctoCat'),
    commit('Ana', 'Ana@Example.COM'),
    commit('Hub', '12345+hubber@users.noreply.github.com'),
  ];
  const { slackOf } = await people(slack, { octocat: 'U0OCTO', 'ana@example.com': 'U0ANA', hubber: 'U0HUB' }).resolver(cs);
  expect(cs.map(slackOf)).toEqual(['U0OCTO', 'U0ANA', 'U0HUB']);
  expect(slack.asked).toEqual([]);
});

test('the others are looked up once per email (lower-cased); bots, noreply emails and emails without @ never', async () => {
  const slack = slackWith({ 'ben@example.com': { id: 'U0BEN' } });
  const cs = [
    commit('Ben', 'ben@example.com'),
    commit('Ben', 'BEN@example.com'),
    commit('Carla', 'carla@example.com'),
    commit('dependabot[bot]', '49699333+dependabot[bot]@users.noreply.github.com', 'dependabot[bot]'),
    commit('Renovate Bot', 'renovate@example.com', 'renovate[bot]'),
    commit('Private', '777+someone@users.noreply.github.com'),
    commit('No Email', 'not-an-email'),
  ];
  const { slackOf, unanswered } = await people(slack).resolver(cs);
  expect(cs.map(slackOf)).toEqual(['U0BEN', 'U0BEN', undefined, undefined, undefined, undefined, undefined]);
  expect(unanswered).toBe(0);
  expect(slack.asked.sort()).toEqual(['ben@example.com', 'carla@example.com']);
});

test('found and not found are cached (a week and an hour); a deleted or bot Slack user maps to nobody; a failed lookup is not cached', async () => {
  const slack = slackWith({
    'ben@example.com': { id: 'U0BEN' },
    'gone@example.com': { id: 'U0GONE', deleted: true },
    'app@example.com': { id: 'U0APP', is_bot: true },
    'flaky@example.com': 'fail',
  });
  const cs = ['ben', 'carla', 'gone', 'app', 'flaky'].map((who) => commit(who, `${who}@example.com`));
  const first = await people(slack).resolver(cs);
  expect(cs.map(first.slackOf)).toEqual(['U0BEN', undefined, undefined, undefined, undefined]);
  // "No such user" is an answer; a failed lookup is not, and is counted.
  expect(first.unanswered).toBe(1);
  expect(await redis.get(k.personByEmail('ben@example.com'))).toBe('U0BEN');
  expect(await redis.ttl(k.personByEmail('ben@example.com'))).toBeGreaterThan(6 * 86_400);
  expect(await redis.get(k.personByEmail('carla@example.com'))).toBe('-');
  expect(await redis.ttl(k.personByEmail('carla@example.com'))).toBeLessThanOrEqual(3_600);
  expect(await redis.get(k.personByEmail('gone@example.com'))).toBe('-');
  expect(await redis.get(k.personByEmail('flaky@example.com'))).toBeNull();

  slack.asked.length = 0;
  const again = await people(slack).resolver(cs);
  expect(cs.map(again.slackOf)).toEqual(['U0BEN', undefined, undefined, undefined, undefined]);
  // Only the lookup that failed is tried again.
  expect(slack.asked).toEqual(['flaky@example.com']);
});

test('a Slack that does not answer holds the release up one deadline in all, however many authors; a late answer is cached for next time', async () => {
  const late: (() => void)[] = [];
  const asked: string[] = [];
  const slack: UsersClient = {
    users: {
      lookupByEmail: ({ email }) =>
        new Promise((resolve) => {
          asked.push(email);
          late.push(() => resolve({ user: { id: `U0${email.split('@')[0]!.toUpperCase()}` } }));
        }),
    },
  };
  const cs = Array.from({ length: 40 }, (_, i) => commit(`Dev ${i}`, `dev${i}@example.com`));
  const { slackOf, unanswered } = await people(slack, {}, 300).resolver(cs);
  expect(cs.map(slackOf).every((id) => id === undefined)).toBe(true);
  // None of the 40 was answered: the release can't know whose OK it needs (it is refused, not opened without them).
  expect(unanswered).toBe(40);
  // Only the first round was sent; the rest were not asked at all once the time was up.
  expect(asked).toEqual(['dev0@example.com', 'dev1@example.com', 'dev2@example.com', 'dev3@example.com']);

  // Slack answers after all: the answers are cached, so the next release knows them without asking.
  for (const answer of late) answer();
  await eventually(
    'the late answers to be cached',
    async () => (await Promise.all(asked.map((e) => redis.get(k.personByEmail(e))))).every((v) => v !== null),
    2_000,
  );
  expect(await redis.get(k.personByEmail('dev2@example.com'))).toBe('U0DEV2');
  const next = await people(slack, {}, 300).resolver(cs.slice(0, 4));
  expect(cs.slice(0, 4).map(next.slackOf)).toEqual(['U0DEV0', 'U0DEV1', 'U0DEV2', 'U0DEV3']);
  expect(next.unanswered).toBe(0);
  expect(asked).toHaveLength(4);
});

test("lookups(): authors are looked up as the compare's pages come (add), and resolve() uses those answers, asking Slack once per email", async () => {
  const asked: string[] = [];
  const pending = new Map<string, () => void>();
  const events = new EventEmitter();
  const slack: UsersClient = {
    users: {
      lookupByEmail: ({ email }) =>
        new Promise((resolve) => {
          asked.push(email);
          pending.set(email, () => resolve({ user: { id: `U0${email.split('@')[0]!.toUpperCase()}` } }));
          events.emit('asked');
        }),
    },
  };
  const wasAsked = (email: string) =>
    new Promise<void>((resolve) => {
      const check = () => asked.includes(email) && (events.off('asked', check), resolve());
      events.on('asked', check);
      check();
    });
  await redis.set(k.personByEmail('cached@example.com'), 'U0CACHED');
  const lookups = people(slack, { 'mapped@example.com': 'U0MAPPED' }).lookups();
  const page1 = [commit('Ana', 'ana@example.com'), commit('Cached', 'Cached@example.com'), commit('Mapped', 'mapped@example.com')];
  const page2 = [commit('Ana', 'ANA@example.com'), commit('Ben', 'ben@example.com')];
  lookups.add(page1);
  // Asked while the rest of the range is still coming; the cached and the mapped are not asked.
  await wasAsked('ana@example.com');
  lookups.add(page2);
  await wasAsked('ben@example.com');
  pending.get('ana@example.com')!();
  const all = [...page1, ...page2];
  const resolving = lookups.resolve(all);
  pending.get('ben@example.com')!();
  const { slackOf, unanswered } = await resolving;
  expect(all.map(slackOf)).toEqual(['U0ANA', 'U0CACHED', 'U0MAPPED', 'U0ANA', 'U0BEN']);
  expect(unanswered).toBe(0);
  expect(asked).toEqual(['ana@example.com', 'ben@example.com']);
});
