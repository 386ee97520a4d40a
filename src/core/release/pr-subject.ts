/**
 * A squash merge's subject ends with its pull request's number, as GitHub writes it:
 * "Add checkout (#123)". Returns the number and the subject without the suffix (the PR's title as
 * it was when merged), or undefined when the subject does not end that way.
 */
export function prFromSubject(subject: string): { number: number; title: string } | undefined {
  const m = /^(.*?)\s*\(#(\d{1,9})\)\s*$/.exec(subject);
  if (!m) return undefined;
  const number = Number(m[2]);
  const title = m[1]!.trim();
  if (number < 1 || !title) return undefined;
  return { number, title };
}
