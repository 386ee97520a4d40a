/** The keys of T whose properties are optional (`a?: …`). */
export type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * T's optional fields, each possibly undefined: what a decoder holds before it knows which of them
 * a record has (a field of a Redis hash or a variable of the environment may be missing).
 */
export type MaybeFields<T> = { [K in OptionalKeys<T>]?: T[K] | undefined };

/**
 * Copies the fields of `fields` that are not undefined onto `target`, and leaves the others absent,
 * not undefined: under exactOptionalPropertyTypes `{ a?: string }` may lack `a` but may not hold
 * `a: undefined`, so a decoded record is built from its required fields, then this. Only T's
 * optional fields may be passed (a misspelt or unknown key is a type error, even when `fields` is a
 * variable rather than an object literal). Returns `target`.
 */
export function assignDefined<T extends object, F extends MaybeFields<T> & { [K in Exclude<keyof F, OptionalKeys<T>>]: never }>(
  target: T,
  fields: F,
): T {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}
