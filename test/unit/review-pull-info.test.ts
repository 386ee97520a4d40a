import { parsePullRequestEvent, pullInfo, TITLE_MAX } from '../../src/core/review/pull-info';
import { fakePull, pullRequestPayload } from '../helpers/fake-pull';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const OLD = 'a'.repeat(40);

describe('pullInfo', () => {
  test('reads a pull request of the repository itself', () => {
    const raw = fakePull({ number: 42, sha: SHA, branch: 'feature/login', labels: ['preview', 'bug'], title: 'Log in with SSO' });
    expect(pullInfo(raw, 'acme/web')).toEqual({
      repo: 'acme/web',
      number: 42,
      title: 'Log in with SSO',
      author: 'octocat',
      branch: 'feature/login',
      headSha: SHA,
      draft: false,
      fork: false,
      labels: ['preview', 'bug'],
      state: 'open',
      merged: false,
    });
  });

  test("a fork's pull request is a fork; so is one whose fork was deleted (head.repo null)", () => {
    expect(pullInfo(fakePull({ number: 7, sha: SHA, branch: 'main', fork: true, author: 'mallory' }), 'acme/web')).toMatchObject({
      fork: true,
      author: 'mallory',
      branch: 'main',
    });
    expect(pullInfo(fakePull({ number: 7, sha: SHA, branch: 'patch-1', fork: null }), 'acme/web')).toMatchObject({ fork: true });
  });

  test('the same repository spelled in another case is not a fork', () => {
    const raw = fakePull({ number: 3, sha: SHA, branch: 'x', fork: 'ACME/Web' });
    expect(pullInfo(raw, 'acme/web')).toMatchObject({ fork: false });
  });

  test('a draft, and merged versus closed', () => {
    expect(pullInfo(fakePull({ number: 1, sha: SHA, branch: 'b', draft: true }), 'acme/web')).toMatchObject({ draft: true, state: 'open' });
    expect(pullInfo(fakePull({ number: 1, sha: SHA, branch: 'b', merged: true }), 'acme/web')).toMatchObject({
      state: 'closed',
      merged: true,
    });
    expect(pullInfo(fakePull({ number: 1, sha: SHA, branch: 'b', state: 'closed' }), 'acme/web')).toMatchObject({
      state: 'closed',
      merged: false,
    });
    // GitHub's list of pull requests has no `merged`: merged_at says it.
    const listed = { ...fakePull({ number: 1, sha: SHA, branch: 'b', merged: true }), merged: undefined };
    expect(pullInfo(listed, 'acme/web')).toMatchObject({ merged: true });
  });

  test('a title is kept to 300 characters, an emoji never cut in half', () => {
    const long = pullInfo(fakePull({ number: 1, sha: SHA, branch: 'b', title: '😀'.repeat(10_000) }), 'acme/web');
    expect(typeof long === 'object' && [...long.title]).toEqual(Array(TITLE_MAX).fill('😀'));
  });

  test('an upper-case SHA is read in lower case', () => {
    expect(pullInfo(fakePull({ number: 1, sha: SHA.toUpperCase(), branch: 'b' }), 'acme/web')).toMatchObject({ headSha: SHA });
  });

  test('says what is wrong with a pull request it cannot use', () => {
    const good = fakePull({ number: 5, sha: SHA, branch: 'b' });
    const head = good.head as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [null, 'pull_request is not a JSON object'],
      [[good], 'pull_request is not a JSON object'],
      ['42', 'pull_request is not a JSON object'],
      [{ ...good, number: '5' }, 'pull_request.number is not a pull request number'],
      [{ ...good, number: 0 }, 'pull_request.number is not a pull request number'],
      [{ ...good, number: 1.5 }, 'pull_request.number is not a pull request number'],
      [{ ...good, number: 1e10 }, 'pull_request.number is not a pull request number'],
      [{ ...good, head: null }, 'pull_request.head is missing'],
      [{ ...good, head: { ...head, sha: undefined } }, 'pull_request.head.sha is missing'],
      [{ ...good, head: { ...head, sha: 12 } }, 'pull_request.head.sha is missing'],
      [{ ...good, head: { ...head, sha: 'main' } }, 'pull_request.head.sha is not a commit SHA'],
      [{ ...good, head: { ...head, ref: null } }, 'pull_request.head.ref is missing'],
      [{ ...good, head: { ...head, ref: '' } }, 'pull_request.head.ref is not a branch name'],
      [{ ...good, head: { ...head, ref: 'a\nb' } }, 'pull_request.head.ref is not a branch name'],
      [{ ...good, head: { ...head, ref: 'x'.repeat(256) } }, 'pull_request.head.ref is not a branch name'],
      [{ ...good, state: 'merged' }, 'pull_request.state is neither open nor closed'],
    ];
    for (const [raw, said] of cases) expect([raw, pullInfo(raw, 'acme/web')]).toEqual([raw, said]);
  });

  test('junk where names and labels go is left out, never thrown', () => {
    const raw = {
      ...fakePull({ number: 5, sha: SHA, branch: 'b' }),
      title: { evil: true },
      user: null,
      labels: [null, 7, { name: 42 }, { name: 'ok' }, 'bare', []],
      draft: 'yes',
      base: [],
      merged_at: 0,
    };
    expect(pullInfo(raw, 'acme/web')).toMatchObject({ title: '', author: 'ghost', labels: ['ok', 'bare'], draft: false, merged: false });
  });
});

describe('parsePullRequestEvent', () => {
  const pull = fakePull({ number: 42, sha: SHA, branch: 'feature/login', labels: ['preview'] });

  test('reads the action, repository, pull request and sender', () => {
    expect(parsePullRequestEvent(pullRequestPayload('opened', pull, { sender: 'hubot' }))).toEqual({
      action: 'opened',
      repo: 'acme/web',
      pull: expect.objectContaining({ number: 42, headSha: SHA, branch: 'feature/login', labels: ['preview'] }),
      sender: 'hubot',
    });
  });

  test("synchronize's before and after; labeled's label", () => {
    expect(parsePullRequestEvent(pullRequestPayload('synchronize', pull, { before: OLD, after: SHA }))).toMatchObject({
      action: 'synchronize',
      before: OLD,
      after: SHA,
    });
    expect(parsePullRequestEvent(pullRequestPayload('labeled', pull, { label: 'preview' }))).toMatchObject({ label: 'preview' });
    expect(parsePullRequestEvent(pullRequestPayload('unlabeled', pull, { label: 'preview' }))).toMatchObject({ label: 'preview' });
    expect(parsePullRequestEvent(pullRequestPayload('synchronize', pull, { before: 'nope', after: SHA }))).not.toHaveProperty('before');
  });

  test('says what is wrong with a payload it cannot use', () => {
    const good = pullRequestPayload('opened', pull);
    const cases: [unknown, string][] = [
      [undefined, 'the payload is not a JSON object'],
      [[], 'the payload is not a JSON object'],
      [{ ...good, action: 3 }, 'action is missing'],
      [{ ...good, repository: null }, 'repository.full_name is missing'],
      [{ ...good, repository: { full_name: 'no slash' } }, 'repository.full_name is not owner/name'],
      [{ ...good, pull_request: null }, 'pull_request is missing'],
      [{ ...good, pull_request: { ...pull, head: { ...(pull.head as object), sha: undefined } } }, 'pull_request.head.sha is missing'],
    ];
    for (const [raw, said] of cases) expect([raw, parsePullRequestEvent(raw)]).toEqual([raw, said]);
  });

  test('a sender without a login is someone; long junk is clipped', () => {
    const e = parsePullRequestEvent({ ...pullRequestPayload('x'.repeat(10_000), pull), sender: 5 });
    expect(e).toMatchObject({ sender: 'someone', action: 'x'.repeat(50) });
  });
});
