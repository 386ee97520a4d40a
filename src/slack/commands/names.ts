/**
 * The slash commands Ferry answers, as its listeners register them (manifest.yml lists the same).
 * The request screen (src/slack/request-shape.ts) lets only these through to Bolt; any other
 * command is answered at once with a note that Ferry doesn't handle it.
 */
export const COMMANDS = {
  deploy: '/deploy',
  deploys: '/deploys',
  lock: '/lock',
  unlock: '/unlock',
  freeze: '/freeze',
  unfreeze: '/unfreeze',
  rollback: '/rollback',
  release: '/release',
} as const;

export const COMMAND_NAMES: readonly string[] = Object.values(COMMANDS);
