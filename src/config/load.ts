import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { SLACK_NAME_HINT } from '../core/permissions';
import { FerryError } from '../errors';
import { normalizeConfig } from '../core/config/normalize';
import { configSchema } from '../core/config/schema';
import type { FerryConfig } from '../core/config/types';

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
  const dir = path.dirname(file);
  return normalizeConfig(result.data, { file, resolvePath: (p) => path.resolve(dir, p), githubWebUrl });
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
