import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { keys } from '../../src/store/keys';
import { LUA_DIR } from '../../src/store/lua';

// Every Lua script is a file in src/store/lua with a header naming each KEYS[i] and ARGV[i] it
// uses and what it returns (as BullMQ's src/commands/*.lua do), and touches only keys that come
// in through KEYS: a key itself, or a prefix (said so in the header) the script appends an id to.
// That is what lets a Redis Cluster deployment put one Ferry's keys in one slot with a hash tag.

const ROOT = path.resolve(__dirname, '../..');
const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));

interface Script {
  name: string;
  header: string;
  body: string;
}

function parse(file: string): Script {
  const text = readFileSync(path.join(LUA_DIR, file), 'utf8');
  const m = /^--\[\[\n([\s\S]*?)\n\]\]\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file} does not start with a --[[ ... ]] header`);
  return { name: file.replace(/\.lua$/, ''), header: m[1]!, body: m[2]! };
}

/** The header's line for KEYS[n] / ARGV[n] ("KEYS[3...]" for the rest of the list), with its meaning. */
function documented(header: string, table: 'KEYS' | 'ARGV'): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of header.matchAll(new RegExp(`^\\s+${table}\\[(\\d+(?:\\.\\.\\.)?)\\]\\s+(.*)$`, 'gm'))) out.set(m[1]!, m[2]!.trim());
  return out;
}

const used = (body: string, table: 'KEYS' | 'ARGV'): Set<string> =>
  new Set([...body.matchAll(new RegExp(`${table}\\[(\\d+)\\]`, 'g'))].map((m) => m[1]!));

const takesList = (body: string, table: 'KEYS' | 'ARGV'): boolean =>
  new RegExp(`#${table}\\b|ipairs\\(${table}\\)|unpack\\(${table}\\b|${table}\\[[a-z_]\\w*\\]`).test(body);

/** The arguments of every redis.call/pcall in the body, split at top-level commas. */
function redisCalls(body: string): string[][] {
  const calls: string[][] = [];
  for (const m of body.matchAll(/redis\.p?call\(/g)) {
    const args: string[] = [];
    let depth = 0;
    let cur = '';
    let quote = '';
    for (let i = m.index + m[0].length; i < body.length; i++) {
      const c = body[i]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '(' || c === '{' || c === '[') depth++;
      else if (c === ')' || c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) {
        args.push(cur.trim());
        cur = '';
        continue;
      }
      cur += c;
    }
    args.push(cur.trim());
    calls.push(args);
  }
  return calls;
}

/** Where a key expression comes from: the KEYS index ('i' for an entry of a list), and whether it was built on it with `..`. */
interface KeyOrigin {
  from: string;
  built: boolean;
}

function keyOrigin(expr: string, locals: ReadonlyMap<string, KeyOrigin>): KeyOrigin | undefined {
  const concat = /\.\./.test(expr);
  const k = /^KEYS\[(\w+)\]/.exec(expr);
  if (k) return { from: k[1]!, built: concat };
  const v = /^(\w+)\b(?!\.\w|\s*\(|\[)/.exec(expr);
  const local = v ? locals.get(v[1]!) : undefined;
  return local && { from: local.from, built: local.built || concat };
}

/** Locals holding a key (or a key built on a KEYS prefix). */
function keyLocals(body: string): Map<string, KeyOrigin> {
  const out = new Map<string, KeyOrigin>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const m of body.matchAll(/local\s+(\w+)\s*=\s*([^\n]+)/g)) {
      const origin = out.has(m[1]!) ? undefined : keyOrigin(m[2]!.trim(), out);
      if (origin) {
        out.set(m[1]!, origin);
        grew = true;
      }
    }
  }
  return out;
}

/** Redis commands whose first argument is not a key. */
const KEYLESS = new Set(['TIME']);

describe.each(files.map((f) => [f]))('%s', (file) => {
  const s = parse(file);

  test('its header says what it does, lists every KEYS[i] and ARGV[i] it uses with its meaning, and what it returns', () => {
    expect(s.header).toMatch(/^ {2}\S/);
    expect(s.header).toMatch(/\n {2}Input:\n/);
    expect(s.header).toMatch(/\n {2}Output:\n\s+\S/);
    for (const table of ['KEYS', 'ARGV'] as const) {
      const doc = documented(s.header, table);
      const fixed = [...doc.keys()].filter((n) => !n.endsWith('...')).map(Number);
      // numbered 1..n without gaps, each with a meaning
      expect(fixed).toEqual(fixed.map((_, i) => i + 1));
      for (const meaning of doc.values()) expect(meaning).not.toBe('');
      // every one the body uses is listed, and every one listed is used
      for (const n of used(s.body, table)) {
        const list = [...doc.keys()].find((d) => d.endsWith('...') && Number(n) >= Number.parseInt(d, 10));
        expect({ [table]: n, documented: doc.has(n) || list !== undefined }).toEqual({ [table]: n, documented: true });
      }
      for (const n of fixed) expect({ [table]: n, used: used(s.body, table).has(String(n)) }).toEqual({ [table]: n, used: true });
      // a script that takes a list says from which index
      expect({ [table]: 'list', documented: [...doc.keys()].some((d) => d.endsWith('...')) }).toEqual({
        [table]: 'list',
        documented: takesList(s.body, table),
      });
    }
  });

  test('every key it touches comes in through KEYS, a prefix in KEYS only where its header says so', () => {
    const locals = keyLocals(s.body);
    const keyDoc = documented(s.header, 'KEYS');
    const calls = redisCalls(s.body);
    expect(calls.length).toBeGreaterThan(0);
    for (const [command, key] of calls) {
      expect(command).toMatch(/^'[A-Z]+'$/);
      if (KEYLESS.has(command!.slice(1, -1))) continue;
      const origin = keyOrigin(key ?? '', locals);
      expect({ command, key, fromKeys: origin !== undefined }).toEqual({ command, key, fromKeys: true });
      // a key built on a KEYS entry (here or in the local it came from) is built on a prefix its header names
      if (origin?.built) {
        expect({ key: `KEYS[${origin.from}]`, meaning: keyDoc.get(origin.from) }).toEqual({
          key: `KEYS[${origin.from}]`,
          meaning: expect.stringMatching(/prefix/),
        });
      }
    }
  });

  test('a typed wrapper in src runs it', () => {
    const wrapped = execSrcGrep(`luaCommand<`).some((t) => t.includes(`'${s.name}'`));
    expect({ script: s.name, wrapped }).toEqual({ script: s.name, wrapped: true });
  });
});

/** The text of every .ts file under src that defines a typed wrapper. */
let srcTexts: string[] | undefined;
function execSrcGrep(needle: string): string[] {
  if (!srcTexts) {
    srcTexts = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) srcTexts!.push(readFileSync(p, 'utf8'));
      }
    };
    walk(path.join(ROOT, 'src'));
  }
  return srcTexts.filter((t) => t.includes(needle));
}

describe('the Lua scripts', () => {
  test('are read from the source tree, in src and dist runs alike', () => {
    expect(LUA_DIR).toBe(path.join(ROOT, 'src', 'store', 'lua'));
    expect(files.length).toBeGreaterThanOrEqual(34);
  });

  test('the keys they build on a KEYS prefix are the keys the store reads', () => {
    const k = keys('ferry');
    expect(`${k.deployPrefix}${42}`).toBe(k.deploy(42));
    expect(`${k.releasePrefix}${7}`).toBe(k.release(7));
    expect(`${k.releasePrefix}${7}:commits`).toBe(k.releaseCommits(7));
    expect(`${k.releaseBySourcePrefix}web:staging`).toBe(k.releaseBySource('web', 'staging'));
  });
});
