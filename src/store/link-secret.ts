import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/**
 * The secret that signs log page links when FERRY_LINK_SECRET is not set: 32 random bytes made by
 * whichever process asks first (SET NX) and read by all, so every replica signs and checks links
 * alike and links survive restarts. Deleting the key (then restarting every process) voids all links.
 */
export async function sharedLinkSecret(redis: Redis, k: Keys): Promise<string> {
  await redis.set(k.linkSecret, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(k.linkSecret);
  if (!secret) throw new Error(`${k.linkSecret} vanished from Redis right after it was set`);
  return secret;
}
