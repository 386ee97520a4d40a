import { z } from 'zod';
import { closest } from '../suggest';
import { NAME } from './schema-fields';

/** `exclusive_groups:` entries: apps whose deploys to the same env never run at the same time. */
export const exclusiveGroup = z
  .object({
    name: z
      .string({ error: 'must be a name, e.g. storefront' })
      .regex(NAME, 'group names use lower-case letters, digits, - and _ (at most 40), e.g. storefront')
      .optional(),
    apps: z
      .array(z.string({ error: 'must be an app name' }), { error: 'must be a list of app names, e.g. [shop, payments]' })
      .min(2, 'list at least two apps: deploys of one app to an env already run one at a time'),
  })
  .strict();

type GroupsShape = {
  exclusive_groups: z.output<typeof exclusiveGroup>[];
  apps: Record<string, unknown>;
};

/** An exclusive group's name: its own, else its apps joined with + (shop+payments). */
export const exclusiveGroupName = (g: { name?: string | undefined; apps: string[] }): string => g.name ?? g.apps.join('+');

/** The apps of an exclusive group must exist, each once; an app is in one group at most; names are unique. */
export function checkExclusiveGroups(c: GroupsShape, ctx: z.RefinementCtx): void {
  const appNames = Object.keys(c.apps);
  const groupOf = new Map<string, number>();
  const named = new Map<string, number>();
  const label = (i: number) => `exclusive_groups.${i} (${exclusiveGroupName(c.exclusive_groups[i]!)})`;
  c.exclusive_groups.forEach((g, i) => {
    const at = (...p: (string | number)[]) => ['exclusive_groups', i, ...p];
    // (Two groups named by default alike list the same apps, which is reported below.)
    if (g.name !== undefined) {
      const first = named.get(g.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: at('name'),
          message: `${JSON.stringify(g.name)} is also the name of ${label(first)}; give each group its own name`,
        });
      else named.set(g.name, i);
    }
    const listed = new Set<string>();
    g.apps.forEach((a, j) => {
      if (!Object.hasOwn(c.apps, a)) {
        const guess = closest(a, appNames);
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `there is no app ${JSON.stringify(a)}; ${guess ? `did you mean ${guess}? ` : ''}apps: ${appNames.join(', ')}`,
        });
        return;
      }
      if (listed.has(a)) {
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `${JSON.stringify(a)} is listed twice in this group; list each app once`,
        });
        return;
      }
      listed.add(a);
      const other = groupOf.get(a);
      if (other !== undefined && other !== i) {
        ctx.addIssue({
          code: 'custom',
          path: at('apps', j),
          message: `${JSON.stringify(a)} is also in ${label(other)}; an app may be in one exclusive group only, so merge the two groups into one (apps: [${[...new Set([...c.exclusive_groups[other]!.apps, ...g.apps])].join(', ')}])`,
        });
      } else groupOf.set(a, i);
    });
  });
}
