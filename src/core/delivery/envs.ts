/** An app's envs as the delivery figures need them: their names, in config order, and where each promotes. */
export interface PromotionEnvs {
  envNames: readonly string[];
  envs: Readonly<Record<string, { promoteTo?: string; promoteFrom?: string }>>;
}

/**
 * The envs whose figures an app shows, production first: the first env (in config order) that
 * something promotes to (`promote_to:` of another env, or its own `promote_from:`) and that promotes
 * to nothing (no `promote_to:`, no env's `promote_from:` names it): the end of the promotion chain.
 * With no chain, the last configured env. Then the others, in config order.
 */
export function deliveryEnvs(app: PromotionEnvs): string[] {
  const names = app.envNames;
  const into = new Set<string>();
  const outOf = new Set<string>();
  for (const name of names) {
    const e = app.envs[name]!;
    if (e.promoteTo !== undefined) {
      outOf.add(name);
      into.add(e.promoteTo);
    }
    if (e.promoteFrom !== undefined) {
      into.add(name);
      outOf.add(e.promoteFrom);
    }
  }
  const production = names.find((n) => into.has(n) && !outOf.has(n)) ?? names.at(-1);
  if (production === undefined) return [];
  return [production, ...names.filter((n) => n !== production)];
}
