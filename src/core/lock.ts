/** A person's claim on an env. */
export interface LockInfo {
  holder: string;
  reason: string;
  since: number;
  until: number;
  /** New on every claim or extension; timers carry it so a stale timer does nothing. */
  token: number;
  /** Not a claim yet: the env is held for the next person on the wait-list to take. */
  reserved: boolean;
}
