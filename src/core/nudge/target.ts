/** Which envs an app's nudge compares: production (the end of its promotion chain) and what feeds it. */

interface EnvLike {
  name: string;
  promoteFrom?: string;
}

export interface NudgeTarget {
  /** Production: the env ending the app's `promote_from` chain (else one called production or prod, else the last). */
  to: string;
  /** The env that feeds it (`promote_from`); undefined: the app's default branch does. */
  from?: string;
}

/** The envs a nudge compares, in config order: the chain's end and its source, or the default branch and production. */
export function nudgeTarget(app: { envs: Readonly<Record<string, EnvLike>>; envNames: readonly string[] }): NudgeTarget {
  const envs = app.envNames.map((n) => app.envs[n]!);
  const sources = new Set(envs.flatMap((e) => (e.promoteFrom ? [e.promoteFrom] : [])));
  const ends = envs.filter((e) => e.promoteFrom !== undefined && !sources.has(e.name));
  const end = ends[ends.length - 1];
  if (end) return { to: end.name, from: end.promoteFrom! };
  const named = envs.find((e) => e.name === 'production') ?? envs.find((e) => e.name === 'prod');
  return { to: (named ?? envs[envs.length - 1]!).name };
}
