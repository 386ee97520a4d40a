/**
 * Ferry's layers, checked by `npm run lint` (dependency-cruiser; `npx depcruise src`).
 *
 * - core is pure policy: it imports only core and util, and npm packages that do no I/O.
 * - util is the bottom: it imports nothing of Ferry's.
 * - no import cycles anywhere in src.
 *
 * TypeScript 7 is native (no JS compiler API), so the files are parsed with swc; type-only
 * imports count (a type from store in core is a layer break too).
 */
/** npm packages (and node built-ins) core may use: none of them does I/O. */
const CORE_PACKAGES = ['zod'];
/** Node built-ins core may use (hashing only: core/log-link.ts signs log page links). */
const CORE_BUILTINS = ['crypto'];

module.exports = {
  forbidden: [
    {
      name: 'core-imports-core-and-util',
      comment: 'src/core is pure policy: it may import only src/core and src/util (move the type it needs into core, and let the adapter import it).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|util)/' },
    },
    {
      name: 'core-does-no-io',
      comment: `src/core may use only these npm packages and node built-ins: ${[...CORE_PACKAGES, ...CORE_BUILTINS].join(', ')} (none does I/O).`,
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'],
        // npm packages resolve into node_modules (a symlink here, so the path may lead elsewhere); built-ins stay bare (crypto).
        pathNot: `(^|/)node_modules/(${CORE_PACKAGES.join('|')})/|^(${CORE_BUILTINS.join('|')})$`,
      },
    },
    {
      name: 'util-imports-nothing-of-ferry',
      comment: 'src/util is the bottom layer: it may not import any other part of Ferry.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'no-circular',
      comment: 'Two modules that import each other (directly or around a loop): move what both need into a file of its own.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file (a typo, or a package that is not installed).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
