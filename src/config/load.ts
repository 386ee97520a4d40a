import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import type { ScheduledFreeze } from '../core/freeze-schedule';
import { PERM_ACTIONS, SLACK_NAME_HINT } from '../core/permissions';
import { zonedInstant } from '../core/time-zone';
import { FerryError } from '../errors';
import type { ReleasePolicy } from '../core/release/types';
import { configSchema, exclusiveGroupName, type ParsedConfig, releaseRules } from './schema';
import type { AppConfig, EnvConfig, ExclusiveGroup, FerryConfig } from './types';

/** Reads, validates and resolves a ferry.yml. Throws FerryError(CONFIG_INVALID) listing every problem. */
export function loadConfig(file: string, githubWebUrl = 'https://github.com'): FerryConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : String((err as Error).message);
    throw new FerryError(
      'CONFIG_INVALID',
      `Can't read config ${abs}: ${why}. Copy ferry.example.yml to ferry.yml, or set FERRY_CONFIG to your file.`,
    );
  }
  return parseConfig(text, abs, githubWebUrl);
}

export function parseConfig(text: string, file: string, githubWebUrl = 'https://github.com'): FerryConfig {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `  ${e.message.split('\n')[0]}`);
    // `admins: [@alice]`: YAML refuses the @ before Ferry could say what to write instead.
    if (doc.errors.some((e) => e.message.includes('reserved character @'))) lines.push(`  (${SLACK_NAME_HINT})`);
    throw new FerryError('CONFIG_INVALID', `${file} is not valid YAML:\n${lines.join('\n')}`);
  }
  const raw: unknown = doc.toJS();
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${describeIssue(issue, raw)}`);
    throw new FerryError('CONFIG_INVALID', `${file} has ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n${lines.join('\n')}`);
  }
  return resolve(result.data, file, githubWebUrl);
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}; check the spelling against ferry.example.yml`;
  }
  if (issue.code === 'invalid_key') {
    const key = issue.path[issue.path.length - 1];
    const hint = issue.issues.map((i) => i.message).join('; ');
    return `${where}: ${JSON.stringify(key)} is not a valid name; ${hint}`;
  }
  if (issue.code === 'invalid_type') {
    const found = valueAt(raw, issue.path);
    if (found === undefined) return `${where}: is required (${issue.message.replace(/^Invalid input: /, '')})`;
    return `${where}: found ${JSON.stringify(found)}; ${issue.message.replace(/^Invalid input: /, '')}`;
  }
  if (issue.code === 'invalid_value' || issue.code === 'invalid_format' || issue.code === 'too_small' || issue.code === 'too_big') {
    const found = valueAt(raw, issue.path);
    return found === undefined || typeof found === 'object'
      ? `${where}: ${issue.message}`
      : `${where}: found ${JSON.stringify(found)}; ${issue.message}`;
  }
  const found = valueAt(raw, issue.path);
  const shown = JSON.stringify(found);
  if (found !== undefined && typeof found !== 'object' && !issue.message.includes(shown))
    return `${where}: found ${shown}; ${issue.message}`;
  return `${where}: ${issue.message}`;
}

function valueAt(raw: unknown, p: PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A path in the file is relative to the file's folder; a bare program name (bash) is left to PATH. */
function resolveProgram(dir: string, program: string): string {
  return program.includes('/') ? path.resolve(dir, program) : program;
}

function resolve(c: ParsedConfig, file: string, githubWebUrl: string): FerryConfig {
  const dir = path.dirname(file);
  // Null-prototype maps: a name typed in Slack ("constructor", "__proto__") finds nothing here.
  const apps: Record<string, AppConfig> = Object.create(null) as Record<string, AppConfig>;
  for (const [name, a] of Object.entries(c.apps)) {
    const localPath = a.path === undefined ? undefined : path.resolve(dir, a.path);
    const cloneUrl = a.clone_url
      ? /^[a-z+]+:\/\//.test(a.clone_url)
        ? a.clone_url
        : path.resolve(dir, a.clone_url)
      : (localPath ?? `${githubWebUrl.replace(/\/$/, '')}/${a.repo}.git`);
    const envs: AppConfig['envs'] = Object.create(null) as AppConfig['envs'];
    for (const [envName, e] of Object.entries(a.environments)) {
      const [program, ...args] = e.deploy;
      envs[envName] = {
        name: envName,
        deploy: [resolveProgram(dir, program!), ...args],
        lock: e.lock,
        lockTtlMs: e.lock_ttl,
        timeoutMs: e.timeout,
        onWorkerLost: e.on_worker_lost,
        passEnv: e.pass_env,
        ...(e.window !== undefined && { window: { spans: e.window.spans, tz: e.time_zone ?? c.time_zone, text: e.window.text } }),
        permissions: resolvePermissions(e.permissions),
        ...(e.promote_from !== undefined && { promoteFrom: e.promote_from }),
        ...(e.auto_deploy !== undefined && { autoDeploy: e.auto_deploy }),
        ...(e.auto_release !== undefined && { autoRelease: { on: e.auto_release, tags: e.release_tags ?? 'v*' } }),
        ...(e.require_checks !== undefined && { requireChecks: e.require_checks }),
        checksTimeoutMs: e.checks_timeout,
        release: resolveRelease(e.release),
        ...(e.smoke !== undefined && { smoke: [resolveProgram(dir, e.smoke[0]!), ...e.smoke.slice(1)] }),
        smokeTimeoutMs: e.smoke_timeout,
        ...(e.url !== undefined && { url: e.url }),
        owners: [...new Set(e.owners ?? [])],
        onSmokeFailure: [...new Set(e.on_smoke_failure)],
        ...(e.promote_to !== undefined && { promoteTo: e.promote_to }),
        promote: e.promote,
      };
    }
    apps[name] = {
      name,
      ...(a.repo !== undefined && { repo: a.repo }),
      ...(localPath !== undefined && { path: localPath }),
      cloneUrl,
      defaultBranch: a.default_branch,
      envs,
      envNames: Object.keys(envs),
    };
  }
  return {
    file,
    feedChannel: c.feed_channel,
    workspaceDir: path.resolve(dir, c.workspace_dir),
    redisPrefix: c.redis_prefix,
    lockReminderMs: c.lock_reminder,
    lockHandoffMs: c.lock_handoff,
    leaseTtlMs: c.lease_ttl,
    shutdownGraceMs: c.shutdown_grace,
    logLines: c.log_lines,
    logLinkTtlMs: c.log_link_ttl,
    apps,
    appNames: Object.keys(apps),
    timeZone: c.time_zone,
    freezes: c.freezes.map((f) => resolveFreeze(f, c.time_zone)),
    admins: [...new Set(c.admins)],
    people: resolvePeople(c.people),
    ...resolveExclusiveGroups(c.exclusive_groups),
  };
}

/** Release rules with their defaults (an env without `release:` gets them all). */
function resolveRelease(r: ParsedConfig['apps'][string]['environments'][string]['release']): ReleasePolicy {
  const d = r ?? releaseDefaults;
  return {
    ship: d.ship,
    freezeSource: d.freeze_source,
    approvers: [...new Set(d.approvers ?? [])],
    selfApproval: d.self_approval,
    unmapped: d.unmapped,
    remindAfterMs: d.remind_after,
    remindEveryMs: d.remind_every,
    reminders: d.reminders,
    expireAfterMs: d.expire_after,
    ...(d.product_channel !== undefined && { productChannel: d.product_channel }),
  };
}

const releaseDefaults = releaseRules.parse({});

/** Keys are matched without case (GitHub logins and emails are case-insensitive). */
function resolvePeople(p: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(p)) out[k.trim().toLowerCase()] = v;
  return out;
}

function resolveExclusiveGroups(list: ParsedConfig['exclusive_groups']): Pick<FerryConfig, 'exclusiveGroups' | 'exclusiveGroupOf'> {
  const exclusiveGroups: ExclusiveGroup[] = list.map((g) => ({ name: exclusiveGroupName(g), apps: g.apps }));
  const exclusiveGroupOf = Object.create(null) as Record<string, string>;
  for (const g of exclusiveGroups) for (const app of g.apps) exclusiveGroupOf[app] = g.name;
  return { exclusiveGroups, exclusiveGroupOf };
}

/** Only the lists the file has (an action without one is open; see src/core/permissions.ts), without repeats. */
function resolvePermissions(p: ParsedConfig['apps'][string]['environments'][string]['permissions']): EnvConfig['permissions'] {
  const out: EnvConfig['permissions'] = {};
  for (const action of PERM_ACTIONS) {
    const list = p?.[action];
    if (list) out[action] = [...new Set(list)];
  }
  return out;
}

function resolveFreeze(f: ParsedConfig['freezes'][number], defaultZone: string): ScheduledFreeze {
  const tz = f.time_zone ?? defaultZone;
  return {
    name: f.name,
    reason: f.reason,
    tz,
    ...(f.every !== undefined && { weekly: f.every }),
    ...(f.start !== undefined && { start: zonedInstant(f.start, tz) }),
    ...(f.end !== undefined && { end: zonedInstant(f.end, tz) }),
    apps: f.apps ?? ['*'],
    envs: f.environments ?? ['*'],
  };
}
