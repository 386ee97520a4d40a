import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { projectRoot } from '../util/project-root';

/**
 * Every multi-key invariant in Ferry's store is a Lua script, so it holds across any number of
 * processes. Each script is a file, src/store/lua/<name>.lua, whose header lists every KEYS[i] and
 * ARGV[i] and what it returns (test/unit/lua-scripts.test.ts holds every file to that, and to
 * touching only keys that come in through KEYS: a key itself, or a prefix the script appends an id
 * to, so one hash tag in Ferry's key prefix puts them all in one Redis Cluster slot).
 *
 * Where the files are read from: the source tree, <project root>/src/store/lua, in every run —
 * under jest (src/), from dist/ after `tsc -p tsconfig.build.json` alone, after scripts/build.sh,
 * and in the Docker image (its Dockerfile copies src/store/lua beside dist/). tsc does not copy
 * .lua files, and a single place means a dist/ built earlier can never run an older copy of a
 * script than the tree beside it. A missing file fails when the module defining it is loaded.
 */
export const LUA_DIR = path.join(projectRoot(), 'src', 'store', 'lua');

/** A script run with EVALSHA (EVAL on the first call after a Redis restart or SCRIPT FLUSH). */
export class LuaScript {
  readonly lua: string;
  private readonly sha: string;
  constructor(readonly name: string) {
    this.lua = readFileSync(path.join(LUA_DIR, `${name}.lua`), 'utf8');
    this.sha = createHash('sha1').update(this.lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * One call of a script: its KEYS and ARGV named, in the order of the script's header (KEYS[1] is
 * the first entry of `keys`). `moreKeys`/`moreArgv` follow them for a script that takes a list
 * (its header says from which index).
 */
export interface LuaCall {
  keys: Record<string, string>;
  argv: Record<string, string | number>;
  moreKeys?: readonly string[];
  moreArgv?: readonly (string | number)[];
}

/** A script's typed wrapper: takes its named input and builds KEYS and ARGV in one place. */
export type LuaCommand<I, R> = ((redis: Redis, input: I) => Promise<R>) & { readonly script: LuaScript };

/**
 * Defines the typed wrapper of script `name` (src/store/lua/<name>.lua); `build` turns the input
 * into its KEYS and ARGV. `R` is what the script returns, as Redis replies it (the caller decodes it).
 */
export function luaCommand<I, R = unknown>(name: string, build: (input: I) => LuaCall): LuaCommand<I, R> {
  const script = new LuaScript(name);
  const run = async (redis: Redis, input: I): Promise<R> => {
    const c = build(input);
    const keys = [...Object.values(c.keys), ...(c.moreKeys ?? [])];
    const args = [...Object.values(c.argv), ...(c.moreArgv ?? [])];
    return (await script.run(redis, keys, args)) as R;
  };
  return Object.assign(run, { script });
}

/** Redis hashes come back as flat [k, v, k, v] arrays from Lua; this makes them objects. */
export function pairs(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}
