import { FerryError } from '../errors';
import { git } from './git';
import type { CommitSource } from './types';

/** Commits from a git repository on this machine (the offline default). */
export class LocalGitSource implements CommitSource {
  readonly label: string;
  constructor(
    private readonly path: string,
    private readonly env: Record<string, string>,
  ) {
    this.label = path;
  }

  async resolveRef(ref: string): Promise<string | undefined> {
    // --end-of-options: whatever the ref looks like, git reads it as a revision, never an option.
    const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: this.path, env: this.env, timeoutMs: 10_000 }).catch(
      (err: Error) => {
        throw new FerryError('SOURCE_UNAVAILABLE', `I couldn't read the repository at ${this.path}: ${err.message}`);
      },
    );
    if (r.code === 0) return r.stdout.trim();
    if (/not a git repository|cannot change to/i.test(r.stderr)) {
      throw new FerryError('SOURCE_UNAVAILABLE', `${this.path} is not a git repository; fix the app's \`path\` in the config.`);
    }
    return undefined;
  }

  async refNames(): Promise<string[]> {
    const r = await git(['for-each-ref', '--count=500', '--format=%(refname:short)', 'refs/heads', 'refs/tags'], { cwd: this.path, env: this.env, timeoutMs: 10_000 });
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  commitUrl(): string | undefined {
    return undefined;
  }
}
