import type { DeliveryFiguresSource } from '../core/delivery/types';
import { DeliveryFigures } from '../services/delivery-figures';
import { DeliveryStats } from '../services/delivery-stats';
import type { Shared } from './shared';

/** Where the delivery figures come from (`/deploys stats`, the weekly digest, the stats page): Ferry's history in Redis. */
export function buildDeliveryFigures(s: Shared): DeliveryFiguresSource {
  return new DeliveryFigures({ history: s.stores.delivery, apps: s.config.apps });
}

/** The figures read and rendered for Slack (`/deploys stats`, the weekly digest). */
export function buildDeliveryStats(s: Shared, delivery: DeliveryFiguresSource | undefined): DeliveryStats | undefined {
  if (!delivery) return undefined;
  return new DeliveryStats({ delivery, links: () => s.links.logLinks, log: s.log.child({ component: 'delivery-stats' }), now: s.now });
}
