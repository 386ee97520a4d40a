import type { z } from 'zod';
import { closest } from '../suggest';

/**
 * The config checks of the pipeline between envs (zod refinements of the whole file):
 * `promote_from` and release rules, `promote_to` and promotion, smoke failure actions.
 */

type PromotionShape = {
  admins: string[];
  apps: Record<
    string,
    {
      environments: Record<
        string,
        {
          promote_from?: string | undefined;
          auto_release?: string | undefined;
          release_tags?: string | undefined;
          release?: { unmapped: string; approvers?: string[] | undefined } | undefined;
        }
      >;
    }
  >;
};

/** Why `name` (in `env`'s promote_from or promote_to) is not another env of `app`: `itself`, or unknown (with a guess); undefined when it is. */
function otherEnvProblem(app: string, env: string, name: string, envNames: readonly string[], itself: string): string | undefined {
  if (name === env) return itself;
  if (envNames.includes(name)) return undefined;
  const guess = closest(name, [...envNames]);
  return `there is no env ${JSON.stringify(name)} in ${app}; ${guess ? `did you mean ${guess}? ` : ''}its envs: ${envNames.join(', ')}`;
}

/** `promote_from:` names another env of the same app; `release:` rules sit on an env that has one. */
export function checkPromotions(c: PromotionShape, ctx: z.RefinementCtx): void {
  for (const [app, a] of Object.entries(c.apps)) {
    const envNames = Object.keys(a.environments);
    for (const [env, e] of Object.entries(a.environments)) {
      const at = ['apps', app, 'environments', env];
      if (e.promote_from !== undefined) {
        const problem = otherEnvProblem(
          app,
          env,
          e.promote_from,
          envNames,
          `an env can't be promoted from itself; name the env before ${env}, e.g. staging`,
        );
        if (problem) ctx.addIssue({ code: 'custom', path: [...at, 'promote_from'], message: problem });
      } else if (e.release !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'release'],
          message: `release rules need promote_from on the same env (where releases to ${env} come from), e.g. promote_from: staging`,
        });
      }
      if (e.auto_release !== undefined && e.promote_from === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'auto_release'],
          message: `needs promote_from on the same env: a release from a tag is a release to ${env}, and its rules (release:, freeze_source) refer to the env it is promoted from, e.g. promote_from: staging`,
        });
      }
      if (e.release_tags !== undefined && e.auto_release === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'release_tags'],
          message:
            'only means something with auto_release (tags or releases) on the same env; add auto_release: tags, or remove release_tags',
        });
      }
      if (e.release?.unmapped === 'approver' && !e.release.approvers?.length && c.admins.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'release', 'unmapped'],
          message:
            'nobody could approve for them: list release.approvers here (or admins: at the top), or use unmapped: none to show such authors without asking for their OK',
        });
      }
    }
  }
}

type PromoteShape = {
  apps: Record<
    string,
    {
      environments: Record<
        string,
        {
          promote_from?: string | undefined;
          promote_to?: string | undefined;
          promote: 'auto' | 'manual';
          smoke?: string[] | undefined;
          on_smoke_failure: string[];
          url?: string | undefined;
        }
      >;
    }
  >;
};

/**
 * `promote_to:` names another env of the same app, and following it never comes back (no cycles);
 * `promote: auto` needs a promote_to; `on_smoke_failure:` needs a smoke command.
 */
export function checkPromoteTo(c: PromoteShape, ctx: z.RefinementCtx): void {
  for (const [app, a] of Object.entries(c.apps)) {
    const envNames = Object.keys(a.environments);
    const next = new Map<string, string>();
    for (const [env, e] of Object.entries(a.environments)) {
      const at = ['apps', app, 'environments', env];
      if (e.promote_to !== undefined) {
        const problem = otherEnvProblem(
          app,
          env,
          e.promote_to,
          envNames,
          `an env can't be promoted to itself; name the env after ${env}, e.g. production`,
        );
        const from = problem ? undefined : a.environments[e.promote_to]!.promote_from;
        if (problem) ctx.addIssue({ code: 'custom', path: [...at, 'promote_to'], message: problem });
        else if (from !== undefined && from !== env) {
          // Its releases come from another env: a promotion from here would skip them.
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'promote_to'],
            message: `${e.promote_to} takes releases from ${from} (promote_from: ${from}), not from ${env}; promote ${env} to ${from} instead, or change ${e.promote_to}'s promote_from`,
          });
        } else next.set(env, e.promote_to);
      } else if (e.promote === 'auto') {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'promote'],
          message: `auto needs promote_to on the same env (where a green deploy of ${env} goes next), e.g. promote_to: staging`,
        });
      }
      if (e.on_smoke_failure.length > 0 && e.smoke === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'on_smoke_failure'],
          message: 'needs a smoke command on the same env (smoke: [commands/smoke.sh]); without one there is no smoke check to fail',
        });
      }
    }
    const cycle = promotionCycle(next);
    if (cycle) {
      ctx.addIssue({
        code: 'custom',
        path: ['apps', app, 'environments', cycle[0]!, 'promote_to'],
        message: `promotions go round in a circle (${[...cycle, cycle[0]].join(' -> ')}); remove promote_to from one of them`,
      });
    }
  }
}

/** The first cycle in an env -> promote_to map (its envs in order), if there is one. */
export function promotionCycle(next: ReadonlyMap<string, string>): string[] | undefined {
  const done = new Set<string>();
  for (const start of next.keys()) {
    const path: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined && !done.has(cur)) {
      const i = path.indexOf(cur);
      if (i >= 0) return path.slice(i);
      path.push(cur);
      cur = next.get(cur);
    }
    for (const e of path) done.add(e);
  }
  return undefined;
}
