/**
 * Runs one piece of work per key at a time: a call while it runs asks for one more run after it
 * (however many calls came), and all of them resolve when the key is up to date. For bringing a
 * Slack message in step with a record that keeps changing.
 */
export class Coalescer<K> {
  private readonly inflight = new Map<K, { again: boolean; done: Promise<void> }>();

  run(key: K, work: () => Promise<void>): Promise<void> {
    const cur = this.inflight.get(key);
    if (cur) {
      cur.again = true;
      return cur.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          await work();
        }
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, state);
    return state.done;
  }

  /** How many keys have work running. */
  get size(): number {
    return this.inflight.size;
  }

  /** Resolves when the work running now has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()].map((s) => s.done));
  }
}
