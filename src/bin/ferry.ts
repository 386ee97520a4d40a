#!/usr/bin/env node
import { readEnv } from '../config/env';
import { githubWebUrl } from '../config/env';
import { loadConfig } from '../config/load';
import { DEFAULT_POOL, parsePoolList } from '../core/pools';
import { isFerryError } from '../errors';
import { main } from '../main';
import { checkDrivers, type DriverFinding } from './check-drivers';

const USAGE = `Usage: ferry <command>
  start [--pools a,b]   the Slack app and one worker in one process
  app                   only the Slack app (scale out with separate workers)
  worker [--pools a,b]  only a worker; with --pools (or FERRY_WORKER_POOLS), only those worker pools' deploys
  check [file]          validate a config file (default: FERRY_CONFIG or ferry.yml)`;

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'start' || cmd === undefined) main(withPools('all', args));
else if (cmd === 'app') main('app');
else if (cmd === 'worker') main(withPools('worker', args));
else if (cmd === 'check') {
  const env = readEnv();
  const file = args[0] ?? env.configFile;
  try {
    const c = loadConfig(file, githubWebUrl(env.githubApiUrl));
    // An env of a worker pool other than the default is shown with it: `production (pool prod)`.
    const envs = (a: string) =>
      Object.values(c.apps[a]!.envs).map((e) => (e.pool === DEFAULT_POOL ? e.name : `${e.name} (pool ${e.pool})`));
    // Review apps: one env per pull request (pr-<n>), at most max at once.
    const review = (a: string) => {
      const r = c.apps[a]!.reviewApps;
      if (!r) return [];
      return [`review apps pr-<number> (at most ${r.max}${r.env.pool === DEFAULT_POOL ? '' : `, pool ${r.env.pool}`})`];
    };
    const apps = c.appNames.map((a) => `  ${a}: ${[...envs(a), ...review(a)].join(', ')}`).join('\n');
    const groups = c.exclusiveGroups.map((g) => `  ${g.name}: ${g.apps.join(', ')}\n`).join('');
    // The CI drivers' settings, as the CI itself sees them (workflow files, token variables, projects).
    void checkDrivers(c, env).then(
      (found) => {
        const line = (f: DriverFinding) => `  ${f.path}${f.key && `.${f.key}`}: ${f.message}\n`;
        const problems = found.filter((f) => !f.warning);
        const warnings = found.filter((f) => f.warning);
        const warned = warnings.length ? `could not check (the check still passes):\n${warnings.map(line).join('')}` : '';
        if (problems.length) {
          process.stderr.write(
            `${c.file} has ${problems.length} problem${problems.length === 1 ? '' : 's'} with its CI drivers:\n${problems.map(line).join('')}${warned}`,
          );
          process.exit(1);
        }
        process.stdout.write(
          `${c.file} is valid.\n${apps}\n${groups && `exclusive groups (one deploy at a time per env):\n${groups}`}${warned}`,
        );
      },
      (err: Error) => {
        process.stderr.write(`could not check the CI drivers: ${err.message}\n`);
        process.exit(1);
      },
    );
  } catch (err) {
    process.stderr.write(`${isFerryError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
} else {
  process.stderr.write(`Unknown command ${JSON.stringify(cmd)}.\n${USAGE}\n`);
  process.exit(2);
}

/**
 * `--pools prod,default` (or `--pools=prod,default`): the worker pools whose deploys the worker
 * takes, as FERRY_WORKER_POOLS (which the flag overrides); exits 2 on a bad list.
 */
function withPools<R>(role: R, argv: string[]): R {
  const i = argv.findIndex((a) => a === '--pools' || a.startsWith('--pools='));
  if (i < 0) return role;
  const text = argv[i] === '--pools' ? argv[i + 1] : argv[i]!.slice('--pools='.length);
  const r = parsePoolList(text ?? '', '--pools');
  if ('error' in r || r.pools.kind === 'every') {
    process.stderr.write(`${'error' in r ? r.error : '--pools needs the pools, e.g. --pools prod,default.'}\n${USAGE}\n`);
    process.exit(2);
  }
  process.env.FERRY_WORKER_POOLS = r.pools.pools.join(',');
  return role;
}
