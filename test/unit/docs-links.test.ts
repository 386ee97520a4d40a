import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

// The README and docs/ as a newcomer follows them: every relative link opens a file of this
// repository (and the heading it names), every other link goes to a public web site, and the
// command table lists exactly the slash commands manifest.yml declares.

const ROOT = path.resolve(__dirname, '../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

const DOCS = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];
const rel = (file: string) => path.relative(ROOT, file);

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line.replace(/`[^`]*`/g, '');
    })
    .join('\n');
}

/** Every link target: [text](target), ![alt](target) and <https://...>. */
function links(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  const auto = [...text.matchAll(/<(https?:\/\/[^>\s]+)>/g)].map((m) => m[1]!);
  return [...inline, ...auto];
}

/** GitHub's anchors for a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('the README and docs/', () => {
  test('there is a docs/ folder with an index beside the README', () => {
    expect(existsSync(path.join(ROOT, 'docs/README.md'))).toBe(true);
    expect(DOCS.length).toBeGreaterThan(5);
  });

  test('the README fits on a few screens (under 250 lines)', () => {
    const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(250);
  });

  test("the README's first lines give the commands that run the playground and the tests, and package.json has them", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme.split('\n').slice(0, 10).join('\n'));
    expect(firstBlock).not.toBeNull();
    const commands = firstBlock![1]!.split('\n').map((l) => l.split('#')[0]!.trim());
    expect(commands).toEqual(expect.arrayContaining(['npm run playground', 'npm test']));
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.playground).toBeDefined();
    expect(scripts.test).toBeDefined();
  });

  test.each(DOCS.map((f) => [rel(f), f]))(
    'every link in %s opens a file of this repository (and its heading) or a public web site',
    (_name, file) => {
      const markdown = readFileSync(file, 'utf8');
      const broken: string[] = [];
      for (const target of links(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          // Only public web sites: no file:, no localhost, no private addresses.
          if (!/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}(\/|$)/i.test(target)) broken.push(`${target}: not a public https address`);
          continue;
        }
        const [pathPart, anchor] = target.split('#') as [string, string | undefined];
        const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
        const inside = path.relative(ROOT, resolved);
        if (inside.startsWith('..') || path.isAbsolute(inside)) {
          broken.push(`${target}: leaves the repository`);
          continue;
        }
        if (/^(node_modules|dist|\.ferry)(\/|$)/.test(inside)) {
          broken.push(`${target}: points into a folder that is not in the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          broken.push(`${target}: ${inside} does not exist`);
          continue;
        }
        if (anchor !== undefined) {
          if (!resolved.endsWith('.md')) broken.push(`${target}: an anchor into a file that is not markdown`);
          else if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
            broken.push(`${target}: ${inside} has no heading #${anchor}`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  test('every file in docs/ is reachable from docs/README.md', () => {
    const index = readFileSync(path.join(ROOT, 'docs/README.md'), 'utf8');
    const linked = new Set(links(index).map((t) => path.resolve(path.join(ROOT, 'docs'), t.split('#')[0]!)));
    const unlinked = DOCS.filter((f) => f.startsWith(path.join(ROOT, 'docs') + path.sep))
      .filter((f) => f !== path.join(ROOT, 'docs/README.md'))
      .filter((f) => !linked.has(f))
      .map(rel);
    expect(unlinked).toEqual([]);
  });

  test('the command tables of the README and docs/commands.md list exactly the slash commands of manifest.yml', () => {
    const manifest = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as {
      features: { slash_commands: { command: string }[] };
    };
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    for (const file of ['README.md', 'docs/commands.md']) {
      const rows = readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .filter((l) => /^\|\s*`\//.test(l));
      const inTable = [...new Set(rows.map((r) => /`(\/[a-z]+)/.exec(r)![1]!))].sort();
      expect({ file, commands: inTable }).toEqual({ file, commands: declared });
    }
  });

  test('the heading anchors follow GitHub: punctuation dropped, underscores kept, repeats numbered', () => {
    const anchors = headingAnchors('# Ferry\n## GitHub webhooks: `auto_deploy`\n## Health gates: alerts\n## Notes\n## Notes\n');
    expect([...anchors]).toEqual(['ferry', 'github-webhooks-auto_deploy', 'health-gates-alerts', 'notes', 'notes-1']);
  });
});
