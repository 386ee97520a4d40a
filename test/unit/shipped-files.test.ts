import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/load';
import { COMMAND_NAMES } from '../../src/slack/commands/names';

const ROOT = path.resolve(__dirname, '../..');

describe('files a newcomer copies', () => {
  test('ferry.example.yml is a valid config that deploys with the shipped local-deploy command', () => {
    const c = loadConfig(path.join(ROOT, 'ferry.example.yml'));
    expect(c.appNames).toEqual(['ferry']);
    expect(c.apps.ferry!.path).toBe(ROOT);
    expect(c.apps.ferry!.envs.dev!.deploy?.[0]).toBe(path.join(ROOT, 'commands/local-deploy.sh'));
    expect(c.apps.ferry!.envs.dev!.lock).toBe(true);
  });

  test('manifest.yml declares every slash command Ferry registers, interactivity, the scopes it uses, and socket mode', () => {
    const m = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as {
      features: { slash_commands: { command: string; url: string }[] };
      oauth_config: { scopes: { bot: string[] } };
      settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
    };
    // The listeners register exactly COMMAND_NAMES (test/unit/request-shape.test.ts checks that).
    expect(m.features.slash_commands.map((c) => c.command).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const c of m.features.slash_commands) expect(c.url).toMatch(/\/slack\/events$/);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(m.oauth_config.scopes.bot.sort()).toEqual([
      'chat:write',
      'chat:write.public',
      'commands',
      'im:write',
      'usergroups:read',
      'users:read',
      'users:read.email',
    ]);
    expect(typeof m.settings.socket_mode_enabled).toBe('boolean');
  });
});

describe('the Docker image and the Node versions', () => {
  const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
  const dockerfile = read('Dockerfile');
  /** The Node LTS major CI tests on (.ci/run's LTS_MAJOR). */
  const ltsMajor = Number(/^LTS_MAJOR=(\d+)$/m.exec(read('.ci/run'))?.[1]);
  /** Whether a version satisfies package.json's engines.node (its forms: `^X.Y.Z` and `>=X.Y.Z`, joined by `||`). */
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  const satisfies = (version: string): boolean => {
    const v = version.replace(/^v/, '').split('.').map(Number);
    const atLeast = (w: number[]) => (v[0]! - w[0]! || v[1]! - w[1]! || v[2]! - w[2]!) >= 0;
    return engines.split('||').some((range) => {
      const m = /^\s*(\^|>=)(\d+)\.(\d+)\.(\d+)\s*$/.exec(range);
      if (!m) throw new Error(`engines.node has a form this test does not read: ${range}`);
      const w = [Number(m[2]), Number(m[3]), Number(m[4])];
      return atLeast(w) && (m[1] === '>=' || v[0] === w[0]);
    });
  };

  test("every stage's base image is the official Node image on the LTS major CI tests on", () => {
    expect(ltsMajor).toBeGreaterThanOrEqual(24);
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toMatch(new RegExp(`^node:${ltsMajor}-[a-z]+-slim$`));
  });

  test('engines.node admits the LTS and the Node running this test (CI runs it on both)', () => {
    expect(satisfies(`${ltsMajor}.0.0`)).toBe(true);
    expect(satisfies(process.version)).toBe(true);
    expect(satisfies('20.18.0')).toBe(false); // require() of ESM-only packages (Octokit) needs 20.19
    expect(satisfies('22.11.0')).toBe(false); // ...and 22.12 on the 22 line
  });

  test('every path the Dockerfile copies exists, and .dockerignore leaves it in the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // From the build context: each source of a COPY without --from.
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
    // From the build stage: what it copied from the context (dist/ and node_modules/ it makes itself).
    const fromBuild = [...dockerfile.matchAll(/^COPY\s+--from=build\s+\/app\/(\S+)/gm)].map((m) => m[1]!);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'commands']));
    expect(fromBuild).toEqual(expect.arrayContaining(['node_modules', 'dist', 'src/store/lua']));
    for (const p of [...sources, ...fromBuild.filter((p) => p !== 'dist' && p !== 'node_modules')]) {
      expect([p, existsSync(path.join(ROOT, p))]).toEqual([p, true]);
      const top = p.split('/')[0]!;
      expect([p, ignored.filter((i) => i === p || i === top)]).toEqual([p, []]);
    }
  });

  test('the image runs as a non-root user, with a health check', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage).toMatch(/^HEALTHCHECK .*\/healthz/m);
    expect(finalStage).toMatch(/^COPY --from=build \/app\/src\/store\/lua \.\/src\/store\/lua$/m);
  });
});
