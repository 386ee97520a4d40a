/** Overrides of a test fixture's fields; a field set to undefined is taken away. */
export type Overrides<T> = { [K in keyof T]?: T[K] | undefined };

/** The fixture `base` with `over` applied: fields `over` sets to undefined are absent from the result. */
export function fixture<T extends object>(base: T, over: Overrides<T>): T {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as T;
}
