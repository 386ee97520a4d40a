import type { DeliveryFiguresSource } from '../core/delivery/types';
import { DeliveryStats } from '../services/delivery-stats';
import type { Shared } from './shared';

/**
 * Where the delivery figures come from (`/deploys stats`, the weekly digest, the stats page). Until
 * their source is built this answers none, and those say figures are not available yet.
 */
export function buildDeliveryFigures(_s: Shared): DeliveryFiguresSource | undefined {
  return undefined;
}

/** The figures read and rendered for Slack, when there is a source. */
export function buildDeliveryStats(s: Shared, delivery: DeliveryFiguresSource | undefined): DeliveryStats | undefined {
  if (!delivery) return undefined;
  return new DeliveryStats({ delivery, links: () => s.links.logLinks, log: s.log.child({ component: 'delivery-stats' }), now: s.now });
}
