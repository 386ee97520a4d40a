/**
 * Copies the fields of `fields` that are not undefined onto `target` (for records read from Redis
 * or the environment, whose optional fields must be absent rather than undefined under
 * exactOptionalPropertyTypes). Returns `target`.
 */
export function assignDefined<T extends object>(target: T, fields: { [K in keyof T]?: T[K] | undefined }): T {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}
