import { CANCEL_ACTION } from '../../src/core/cancel';
import { ASK_RELEASE_ACTION, NOTIFY_UNFROZEN_ACTION, WAITLIST_ACTION } from '../../src/core/fix-buttons';
import {
  FIELDS_VIEW,
  HOLD_VIEW,
  RELEASE_ACK,
  RELEASE_CANCEL,
  RELEASE_EDIT,
  RELEASE_HOLD,
  RELEASE_LIFT,
  RELEASE_REFRESH,
  RELEASE_SHIP,
} from '../../src/core/release/actions';
import { REVIEW_REDEPLOY_ACTION, REVIEW_TEARDOWN_ACTION } from '../../src/core/review/actions';
import { changes, JUNK_VALUES, stateSnapshot } from '../helpers/hostile';
import { ANA, DAN, type Ferry, openRelease, startFerry } from '../helpers/release-kit';
import { eventually } from '../helpers/wait';

// Requests of the right shape whose values a listener parses (a button's value, a modal's
// private_metadata and inputs) but can't use: each gets an answer saying so, and Redis (deploys,
// queues, locks, releases, everything Ferry keeps) is exactly as it was. Release #1 exists, so a
// junk value that were read as "release 1" would show.
describe('a button or form carrying a value its listener cannot use', () => {
  let f: Ferry;
  beforeAll(async () => {
    f = await startFerry();
    await openRelease(f);
    // Settled: its three authors' DMs are sent and remembered (the last thing opening a release writes).
    await eventually('the release DMs to be remembered', async () => (await f.h.redis.hlen(`${f.h.prefix}:release:1:dms`)) === 3);
  });
  afterAll(async () => {
    await f?.h.stop();
  });

  /** Runs `act` (a click and its answer, or a submission) and checks that nothing changed. */
  async function unchanged<T>(act: () => Promise<T>): Promise<T> {
    const before = await stateSnapshot(f.h);
    const out = await act();
    expect(changes(before, await stateSnapshot(f.h))).toEqual([]);
    return out;
  }
  const clickAnswer = (action: string, value: string) => unchanged(async () => f.h.answer((await f.h.click(action, value, ANA)).id));

  test.each(JUNK_VALUES)('Cancel with the value %j names no deploy', async (value) => {
    expect(await clickAnswer(CANCEL_ACTION, value)).toContain(
      "That button doesn't name a deploy I can cancel. Use `/deploy cancel &lt;id&gt;`",
    );
  });

  // No app here has review apps, so `web:42` (a real button's shape) names none either.
  describe.each([REVIEW_TEARDOWN_ACTION, REVIEW_REDEPLOY_ACTION])('%s', (action) => {
    test.each([...JUNK_VALUES, 'web:42'])('with the value %j names no review app', async (value) => {
      expect(await clickAnswer(action, value)).toContain("That button doesn't name a review app I know. Nothing was changed");
    });
  });

  describe.each([WAITLIST_ACTION, ASK_RELEASE_ACTION, NOTIFY_UNFROZEN_ACTION])('%s', (action) => {
    test.each(JUNK_VALUES)('with the value %j names no environment', async (value) => {
      expect(await clickAnswer(action, value)).toMatch(
        /^That button (doesn't say which environment it is for|is for an environment I no longer know \(.*\)), so I did nothing\./,
      );
    });
  });

  // Values whose id part is a number are real button values (release 12, or 1); the rest are junk.
  const notIds = JUNK_VALUES.filter((v) => !/^\d+:/.test(v));
  describe.each([RELEASE_ACK, RELEASE_LIFT, RELEASE_SHIP, RELEASE_CANCEL, RELEASE_REFRESH])('%s', (action) => {
    test.each(notIds)('with the value %j names no release', async (value) => {
      expect(await clickAnswer(action, value)).toBe('That button is not for a release I know.');
    });
  });

  describe.each([RELEASE_HOLD, RELEASE_EDIT])('%s (opens a modal)', (action) => {
    test.each(notIds)('with the value %j opens nothing', async (value) => {
      expect(await clickAnswer(action, value)).toBe('That button is for a release I no longer have.');
      expect(f.h.slack.calls.filter((c) => c.method === 'views.open')).toHaveLength(0);
    });
  });

  const errorsOf = (body: string) => (JSON.parse(body) as { response_action: string; errors: Record<string, string> }).errors;
  const metadata = [...JUNK_VALUES, '{"id":1.5}', '{"id":"1"}', '{"id":null}'];

  test.each(metadata)('the Hold… form with private_metadata %j is refused in the form', async (m) => {
    const r = await unchanged(() => f.h.submitView(HOLD_VIEW, m, { reason: { reason: { value: 'QA found a bug' } } }, ANA));
    expect(errorsOf(r.body)).toEqual({ reason: 'This form is not for a release I know.' });
  });

  test.each(metadata)('the details form with private_metadata %j is refused in the form', async (m) => {
    const r = await unchanged(() => f.h.submitView(FIELDS_VIEW, m, { version: { version: { value: '9.9' } } }, DAN));
    expect(errorsOf(r.body)).toEqual({ description: 'This form is not for a release I know.' });
  });

  test.each([
    ['no inputs', {}],
    ['inputs of another form', { reason: { reason: { value: 'x' } }, other: { field: { value: 'y' } } }],
  ])('the details form for release #1 with %s saves nothing (it would clear every field)', async (_name, values) => {
    const r = await unchanged(() => f.h.submitView(FIELDS_VIEW, '{"id":1}', values, DAN));
    expect(errorsOf(r.body)).toEqual({
      description: 'This form came without its fields, so nothing was saved. Close it and click Edit details again.',
    });
  });

  test.each([
    ['no inputs', {}],
    ['an empty reason', { reason: { reason: { value: null } } }],
    ['the reason under another input', { reason: { other: { value: 'QA found a bug' } } }],
  ])('the Hold… form for release #1 with %s holds nothing', async (_name, values) => {
    const r = await unchanged(() => f.h.submitView(HOLD_VIEW, '{"id":1}', values, ANA));
    expect(errorsOf(r.body)).toEqual({ reason: 'Say why it must wait (at least a few words), so its authors know what to fix.' });
  });
});
