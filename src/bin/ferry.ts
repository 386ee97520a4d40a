#!/usr/bin/env node
import { readEnv } from '../config/env';
import { githubWebUrl } from '../config/env';
import { loadConfig } from '../config/load';
import { isFerryError } from '../errors';
import { main } from '../main';

const USAGE = `Usage: ferry <command>
  start           the Slack app and one worker in one process
  app             only the Slack app (scale out with separate workers)
  worker          only a worker
  check [file]    validate a config file (default: FERRY_CONFIG or ferry.yml)`;

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'start' || cmd === undefined) main('all');
else if (cmd === 'app') main('app');
else if (cmd === 'worker') main('worker');
else if (cmd === 'check') {
  const env = readEnv();
  const file = args[0] ?? env.configFile;
  try {
    const c = loadConfig(file, githubWebUrl(env.githubApiUrl));
    const apps = c.appNames.map((a) => `  ${a}: ${c.apps[a]!.envNames.join(', ')}`).join('\n');
    const groups = c.exclusiveGroups.map((g) => `  ${g.name}: ${g.apps.join(', ')}\n`).join('');
    process.stdout.write(`${c.file} is valid.\n${apps}\n${groups && `exclusive groups (one deploy at a time per env):\n${groups}`}`);
  } catch (err) {
    process.stderr.write(`${isFerryError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
} else {
  process.stderr.write(`Unknown command ${JSON.stringify(cmd)}.\n${USAGE}\n`);
  process.exit(2);
}
