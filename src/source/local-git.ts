import { prFromSubject } from '../core/release/pr-subject';
import type { Commit, CommitRange } from '../core/release/types';
import { FerryError } from '../errors';
import { git } from './git';
import { RevisionResolver } from './revision-resolver';
import type { CommitSource } from './types';

/** `git log` fields, separated by US (0x1f), each commit ended by RS (0x1e); the raw message last. */
const LOG_FORMAT = '--format=%H%x1f%an%x1f%ae%x1f%at%x1f%B%x1e';

/** Commits from a git repository on this machine (the offline default). */
export class LocalGitSource implements CommitSource {
  readonly label: string;
  constructor(
    private readonly path: string,
    private readonly env: Record<string, string>,
    /** Answers ref lookups without a process each (shared by the apps of one repository). */
    private readonly revisions: RevisionResolver = new RevisionResolver(path, env),
  ) {
    this.label = path;
  }

  async resolveRef(ref: string): Promise<string | undefined> {
    // One long-lived git answers most; if it can't (not a repository, git missing), rev-parse says why.
    const fast = await this.revisions.commit(`${ref}^{commit}`).catch(() => null);
    if (fast !== null) return fast;
    // --end-of-options: whatever the ref looks like, git reads it as a revision, never an option.
    const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
      cwd: this.path,
      env: this.env,
      timeoutMs: 10_000,
    }).catch((err: Error) => {
      throw new FerryError('SOURCE_UNAVAILABLE', `I couldn't read the repository at ${this.path}: ${err.message}`);
    });
    if (r.code === 0) return r.stdout.trim();
    if (/not a git repository|cannot change to/i.test(r.stderr)) {
      throw new FerryError('SOURCE_UNAVAILABLE', `${this.path} is not a git repository; fix the app's \`path\` in the config.`);
    }
    return undefined;
  }

  async refNames(): Promise<string[]> {
    const r = await git(['for-each-ref', '--count=500', '--format=%(refname:short)', 'refs/heads', 'refs/tags'], {
      cwd: this.path,
      env: this.env,
      timeoutMs: 10_000,
    });
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  commitUrl(): string | undefined {
    return undefined;
  }

  /**
   * `git rev-list --left-right --count base...head` decides the kind (nothing only on base's side:
   * base is an ancestor of head, and the other way round), then `git log --no-merges base..head`
   * lists head's side.
   */
  async compare(base: string, head: string): Promise<CommitRange> {
    await Promise.all([this.mustExist(head, 'head'), this.mustExist(base, 'base')]);
    if (base === head) return { kind: 'identical' };
    const counts = await this.run(['rev-list', '--left-right', '--count', '--end-of-options', `${base}...${head}`, '--']);
    const [behind = 0, ahead = 0] = counts.trim().split(/\s+/).map(Number);
    if (!ahead && !behind) return { kind: 'identical' };
    if (!ahead) return { kind: 'behind', behind };
    const commits = parseLog(await this.run(['log', '--no-merges', '--reverse', LOG_FORMAT, '--end-of-options', `${base}..${head}`, '--']));
    return behind ? { kind: 'diverged', ahead, behind, commits } : { kind: 'ahead', commits };
  }

  async history(head: string, limit: number): Promise<Commit[]> {
    await this.mustExist(head, 'head');
    if (limit <= 0) return [];
    // -n picks the newest `limit`, then --reverse shows them oldest first.
    return parseLog(
      await this.run(['log', '--no-merges', `--max-count=${Math.floor(limit)}`, '--reverse', LOG_FORMAT, '--end-of-options', head, '--']),
    );
  }

  private async mustExist(sha: string, side: 'base' | 'head'): Promise<void> {
    const r = await this.git(['cat-file', '-e', '--end-of-options', `${sha}^{commit}`]);
    if (r.code === 0) return;
    if (/not a git repository|cannot change to/i.test(r.stderr)) {
      throw new FerryError('SOURCE_UNAVAILABLE', `${this.path} is not a git repository; fix the app's \`path\` in the config.`);
    }
    const fix =
      side === 'head'
        ? 'Deploy the source env again, then run /release.'
        : "It is what runs on the target env, so I can't tell what a release would ship. Deploy a commit that exists to the target env, then run /release.";
    throw new FerryError('UNKNOWN_SHA', `There is no commit ${sha.slice(0, 7)} in ${this.label} (was it force-pushed away?). ${fix}`, {
      sha,
      side,
    });
  }

  private async run(args: string[]): Promise<string> {
    const r = await this.git(args);
    if (r.code !== 0) {
      throw new FerryError(
        'SOURCE_UNAVAILABLE',
        `git ${args[0]} failed in ${this.label} (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`,
      );
    }
    return r.stdout;
  }

  private git(args: string[]) {
    return git(args, { cwd: this.path, env: this.env, timeoutMs: 30_000 }).catch((err: Error) => {
      throw new FerryError('SOURCE_UNAVAILABLE', `I couldn't read the repository at ${this.path}: ${err.message}`);
    });
  }
}

function parseLog(out: string): Commit[] {
  const commits: Commit[] = [];
  for (const record of out.split('\x1e')) {
    const fields = record.replace(/^\n/, '').split('\x1f');
    if (fields.length < 5) continue;
    const [sha, authorName, authorEmail, at] = fields as [string, string, string, string];
    const message = fields.slice(4).join('\x1f');
    const subject = (message.split(/\r?\n/, 1)[0] ?? '').trim();
    const c: Commit = { sha, subject, authorName, authorEmail, date: Number(at) * 1000 };
    const pr = prFromSubject(subject);
    if (pr) c.pr = pr;
    commits.push(c);
  }
  return commits;
}
