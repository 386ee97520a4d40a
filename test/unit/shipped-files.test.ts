import { readFileSync } from 'node:fs';
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
    expect(c.apps.ferry!.envs.dev!.deploy[0]).toBe(path.join(ROOT, 'commands/local-deploy.sh'));
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
