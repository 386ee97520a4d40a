import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { emojiChar, replaceEmoji } from '../../src/playground/render/emoji';

const SRC = path.join(__dirname, '../../src');

/** Every .ts file under src/ that Ferry itself runs (the playground's and the pages' own code aside). */
function ferrySources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['playground', 'web'].includes(e.name) && dir === SRC ? [] : ferrySources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The `:name:` shortcodes in Ferry's messages: a colon that no word, `}`, `>` or `$` comes right before
 * (so Redis keys such as `${p}:deploy:${id}` or `<prefix>:release:` and times such as 09:30 are not taken for emoji).
 */
function shortcodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ferrySources(SRC))
    for (const m of readFileSync(file, 'utf8').matchAll(/(?<![\w}$>]):([a-z][a-z0-9_+-]*):/g))
      if (!found.has(m[1]!)) found.set(m[1]!, path.relative(SRC, file));
  return found;
}

describe("the playground's emoji table", () => {
  test('finds the shortcodes Ferry sends (the collector is not blind)', () => {
    const names = [...shortcodes().keys()];
    expect(names).toEqual(
      expect.arrayContaining(['rocket', 'sunny', 'inbox_tray', 'octagonal_sign', 'rotating_light', 'arrow_up', 'clock3']),
    );
    expect(names).not.toContain('deploy');
  });

  test('renders every emoji name Ferry sends', () => {
    const missing = [...shortcodes()].filter(([name]) => emojiChar(name) === undefined).map(([name, file]) => `:${name}: (${file})`);
    expect(missing).toEqual([]);
  });

  test('a message with them reads as emoji, not as text', () => {
    expect(replaceEmoji(':sunny: Staging is open · :inbox_tray: queued · :clock3: 15:00')).toBe('☀️ Staging is open · 📥 queued · 🕒 15:00');
  });
});
