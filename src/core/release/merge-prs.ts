/**
 * Pull requests from a range's own merge commits, with no lookup: GitHub's merge button writes
 * "Merge pull request #123 from owner/branch" with the title on the message's third line, and the
 * commits that merge brought in (reachable from its second parent, not from its first) are that
 * pull request's. Pure.
 */
import { prFromSubject } from './pr-subject';

/** A commit as the compare lists it: merges too, with their parents. */
export interface RangeCommit {
  sha: string;
  parents: readonly string[];
  /** The whole message (subject, blank line, body). */
  message: string;
}

export type MergedPr = { number: number; title: string };

/**
 * The pull request a merge commit merged: "Merge pull request #123 from owner/branch" (title from
 * the body's first line, else the branch), or a subject ending "(#123)" (GitHub's "pull request
 * title" merge message). Undefined for other merges ("Merge branch 'main' into ...").
 */
export function prOfMerge(message: string): MergedPr | undefined {
  const [subject = '', ...body] = message.split(/\r?\n/);
  const m = /^Merge pull request #(\d{1,9}) from (\S+)/.exec(subject.trim());
  if (!m) return prFromSubject(subject.trim());
  const number = Number(m[1]);
  if (number < 1) return undefined;
  const title = body.map((l) => l.trim()).find(Boolean) ?? m[2]!;
  return { number, title };
}

interface Frame {
  tip: string;
  pr: MergedPr | undefined;
  chain?: RangeCommit[];
  next: number;
}

/**
 * Non-merge commit SHA -> the pull request that brought it in, for the commits of `range` (which
 * must be a whole range: every commit between the base and `head`, merges included, as GitHub's
 * compare lists them; parents outside it are the base's side). Walks `head`'s first-parent line
 * oldest first; each merge's other parents bring in what is not yet seen, which belongs to the
 * pull request that merge merged (a pull request merged into a branch first keeps its own).
 * Commits no pull-request merge brought in (direct pushes, squash and rebase merges) are left out.
 * Linear in the range's size.
 */
export function prsFromMerges(range: readonly RangeCommit[], head: string): Map<string, MergedPr> {
  const bySha = new Map(range.map((c) => [c.sha, c]));
  const seen = new Set<string>();
  const out = new Map<string, MergedPr>();
  const stack: Frame[] = [{ tip: head, pr: undefined, next: 0 }];
  while (stack.length) {
    const f = stack.at(-1)!;
    if (!f.chain) {
      // Its first-parent line down to what is already seen (or out of the range), oldest first.
      f.chain = [];
      for (let c = bySha.get(f.tip); c && !seen.has(c.sha); c = bySha.get(c.parents[0] ?? '')) f.chain.push(c);
      f.chain.reverse();
    }
    const c = f.chain[f.next++];
    if (!c) {
      stack.pop();
      continue;
    }
    if (seen.has(c.sha)) continue;
    seen.add(c.sha);
    if (c.parents.length <= 1) {
      if (f.pr) out.set(c.sha, f.pr);
      continue;
    }
    // What the merge brought in, its second parent's side first (pushed last, so popped first).
    const pr = prOfMerge(c.message) ?? f.pr;
    for (const p of c.parents.slice(1).reverse()) stack.push({ tip: p, pr, next: 0 });
  }
  return out;
}
