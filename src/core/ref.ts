import { escapeMrkdwn } from './slack-format';

/**
 * Checks a ref a person typed before it goes anywhere near git or GitHub. Git refs allow more
 * than this, but nothing a deploy needs: letters, digits and . _ - / cover branch names, tags and SHAs.
 * Returns a message saying what is wrong, or undefined when the ref is acceptable.
 */
export const MAX_REF_LENGTH = 200;
const ALLOWED = /^[A-Za-z0-9._/-]+$/;

export function refProblem(ref: string): string | undefined {
  // The most dangerous problem first: what git would take as an option, or a shell as syntax.
  if (ref.startsWith('-')) return `\`${clip(ref)}\` starts with \`-\`, which git would read as an option; name a branch, tag or commit SHA`;
  if (!ALLOWED.test(ref)) {
    const bad = [...new Set([...ref].filter((ch) => !/[A-Za-z0-9._/-]/.test(ch)))].map(show).join(' ');
    return `\`${clip(ref)}\` contains ${bad}; refs may only use letters, digits and \`.\` \`_\` \`-\` \`/\``;
  }
  if (ref.length > MAX_REF_LENGTH) return `that ref is ${ref.length} characters long; refs here are at most ${MAX_REF_LENGTH}`;
  if (ref.includes('..')) return `\`${clip(ref)}\` contains \`..\`, which is a range, not one ref; name one branch, tag or SHA`;
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//'))
    return `\`${clip(ref)}\` has a misplaced \`/\`; branch names look like \`feature/checkout\``;
  if (ref.endsWith('.') || ref.endsWith('.lock') || ref.split('/').some((p) => p.startsWith('.'))) {
    return `\`${clip(ref)}\` is not a valid git ref name (no part may start with \`.\` or end with \`.lock\`)`;
  }
  return undefined;
}

export const isFullSha = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/**
 * The first of `words` that git or a shell would read as more than a name (a leading `-`, or a
 * character outside letters, digits and `.` `_` `-` `/`; `#` too when `hash` allows a `#42`), with
 * what is wrong with it. A refusal names this before anything else (word counts, unknown names).
 */
export function dangerousWord(words: readonly string[], opts: { hash?: boolean } = {}): { word: string; problem: string } | undefined {
  for (const word of words) {
    const name = opts.hash && /^#\d+$/.test(word) ? word.slice(1) : word;
    if (name.startsWith('-') || !ALLOWED.test(name)) return { word, problem: refProblem(name)! };
  }
  return undefined;
}

function show(ch: string): string {
  if (ch === '`') return '"`"';
  if (/\s/.test(ch)) return 'a space';
  return `\`${escapeMrkdwn(ch)}\``;
}

function clip(s: string): string {
  return escapeMrkdwn((s.length > 60 ? `${s.slice(0, 57)}...` : s).replace(/`/g, "'"));
}
