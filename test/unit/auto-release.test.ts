import { parseConfig } from '../../src/config/load';
import { autoReleaseTargets, parseTagEvent, tagGlob, tagMatches, tagNotReleasedText } from '../../src/core/github-push';

const A = 'a'.repeat(40);
const ZERO = '0'.repeat(40);
const repository = { full_name: 'acme/web' };
const sender = { login: 'octocat' };

describe('tagMatches (release_tags: glob)', () => {
  test('* matches any run of characters except /, including none', () => {
    expect(tagMatches('v*', 'v1.2.0')).toBe(true);
    expect(tagMatches('v*', 'v')).toBe(true);
    expect(tagMatches('v*', 'nightly-1')).toBe(false);
    expect(tagMatches('v*', 'release/v1')).toBe(false);
    expect(tagMatches('v*', 'av1')).toBe(false);
    expect(tagMatches('release/*', 'release/1.0')).toBe(true);
    expect(tagMatches('release/*', 'release/1/2')).toBe(false);
    expect(tagMatches('v*-rc*', 'v1.0-rc2')).toBe(true);
    expect(tagMatches('v*-rc*', 'v1.0')).toBe(false);
    expect(tagMatches('*', 'anything')).toBe(true);
  });
  test('everything but * is literal (a dot is a dot, regex characters mean nothing)', () => {
    expect(tagMatches('v1.*', 'v1.5')).toBe(true);
    expect(tagMatches('v1.*', 'v1x5')).toBe(false);
    expect(tagMatches('v(1)+', 'v(1)+')).toBe(true);
    expect(tagMatches('v(1)+', 'v11')).toBe(false);
    expect(tagMatches('[abc]', 'a')).toBe(false);
    expect(tagGlob('a?b').test('a?b')).toBe(true);
    expect(tagGlob('a?b').test('ab')).toBe(false);
  });
  test('the whole tag must match', () => {
    expect(tagMatches('v1', 'v1.0')).toBe(false);
    expect(tagMatches('1.*', 'v1.0')).toBe(false);
  });
});

describe('parseTagEvent', () => {
  const push = (o: Record<string, unknown> = {}) => ({
    ref: 'refs/tags/v1.2.0',
    before: ZERO,
    after: A,
    created: true,
    deleted: false,
    repository,
    sender,
    pusher: { name: 'octocat', email: 'Octo@Example.com' },
    ...o,
  });
  test('a tag push that creates the tag: the tag and its SHA (after), who pushed', () => {
    expect(parseTagEvent('push', push())).toEqual({
      kind: 'tags',
      repo: 'acme/web',
      tag: 'v1.2.0',
      sha: A,
      login: 'octocat',
      email: 'octo@example.com',
    });
  });
  test('an annotated tag push: the tagged commit (head_commit.id), not the tag object (after)', () => {
    const commit = 'c'.repeat(40);
    expect(parseTagEvent('push', push({ head_commit: { id: commit } }))).toMatchObject({ sha: commit });
    expect(parseTagEvent('push', push({ head_commit: null }))).toMatchObject({ sha: A });
  });
  test('branch pushes, moved or deleted tags are not tag events', () => {
    expect(parseTagEvent('push', push({ ref: 'refs/heads/main' }))).toBeUndefined();
    expect(parseTagEvent('push', push({ created: false }))).toBeUndefined();
    expect(parseTagEvent('push', push({ deleted: true, after: ZERO }))).toBeUndefined();
  });
  test('a tag push with a bad payload says what is wrong', () => {
    expect(parseTagEvent('push', push({ after: 'nope' }))).toBe('after is not a commit SHA');
    expect(parseTagEvent('push', push({ repository: {} }))).toBe('repository.full_name is missing');
    expect(parseTagEvent('push', null)).toBe('the payload is not a JSON object');
  });
  test('create of a tag: the tag, no SHA (resolved later); create of a branch is not one', () => {
    expect(parseTagEvent('create', { ref: 'v1.2.0', ref_type: 'tag', repository, sender })).toEqual({
      kind: 'tags',
      repo: 'acme/web',
      tag: 'v1.2.0',
      login: 'octocat',
    });
    expect(parseTagEvent('create', { ref: 'feature', ref_type: 'branch', repository, sender })).toBeUndefined();
    expect(parseTagEvent('create', { ref_type: 'tag', repository, sender })).toBe('ref is missing');
  });
  test('release published: its tag_name; other actions are not', () => {
    const rel = (action: string, release: unknown = { tag_name: 'v2.0.0' }) => ({ action, release, repository, sender });
    expect(parseTagEvent('release', rel('published'))).toEqual({ kind: 'releases', repo: 'acme/web', tag: 'v2.0.0', login: 'octocat' });
    for (const action of ['created', 'edited', 'prereleased', 'released', 'deleted'])
      expect(parseTagEvent('release', rel(action))).toBeUndefined();
    expect(parseTagEvent('release', rel('published', {}))).toBe('release.tag_name is missing');
  });
  test('other events are not tag events', () => {
    expect(parseTagEvent('ping', { zen: 'x' })).toBeUndefined();
    expect(parseTagEvent('check_run', { action: 'completed' })).toBeUndefined();
  });
});

describe('autoReleaseTargets', () => {
  const config = parseConfig(
    JSON.stringify({
      feed_channel: 'C0FEED',
      apps: {
        web: {
          repo: 'Acme/Web',
          environments: {
            staging: { deploy: ['/bin/true'] },
            production: { deploy: ['/bin/true'], promote_from: 'staging', auto_release: 'tags' },
            canary: { deploy: ['/bin/true'], promote_from: 'staging', auto_release: 'releases', release_tags: 'release-*' },
          },
        },
        other: {
          repo: 'acme/other',
          environments: {
            staging: { deploy: ['/bin/true'] },
            production: { deploy: ['/bin/true'], promote_from: 'staging', auto_release: 'tags' },
          },
        },
      },
    }),
    '/tmp/ferry.yml',
  );
  const ev = (kind: 'tags' | 'releases', tag: string, repo = 'acme/web') => ({ kind, repo, tag, login: 'octocat' });
  test('envs of the repo whose auto_release is the event kind and whose pattern matches', () => {
    expect(autoReleaseTargets(config, ev('tags', 'v1.2.0'))).toEqual([{ app: 'web', env: 'production' }]);
    expect(autoReleaseTargets(config, ev('tags', 'release-3'))).toEqual([]);
    expect(autoReleaseTargets(config, ev('releases', 'release-3'))).toEqual([{ app: 'web', env: 'canary' }]);
    expect(autoReleaseTargets(config, ev('releases', 'v1.2.0'))).toEqual([]);
    expect(autoReleaseTargets(config, ev('tags', 'v1', 'acme/other'))).toEqual([{ app: 'other', env: 'production' }]);
    expect(autoReleaseTargets(config, ev('tags', 'v1', 'acme/nothing'))).toEqual([]);
  });
  test('the feed line says which tag, where and why', () => {
    expect(tagNotReleasedText(ev('releases', 'v_2'), 'web', 'production', 'Release #1 is open.')).toBe(
      ':no_entry: GitHub release `v_2` (by octocat) was not released to `web` *production*: Release #1 is open.',
    );
  });
});
