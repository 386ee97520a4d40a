import type { normalizeConfig } from './normalize';

/**
 * Ferry's validated configuration, as the rest of the code sees it: derived, not written out. The
 * schema (schema.ts and schema-*.ts) says what ferry.yml may hold and its defaults; normalize.ts
 * makes its output into this shape (camelCase, durations in ms, paths resolved), and documents
 * each field. The file's own shape is ParsedConfig (schema.ts).
 */
export type FerryConfig = ReturnType<typeof normalizeConfig>;
export type AppConfig = FerryConfig['apps'][string];
export type EnvConfig = AppConfig['envs'][string];
/** Apps whose deploys to the same env never run at the same time (`exclusive_groups:`). */
export type ExclusiveGroup = FerryConfig['exclusiveGroups'][number];
