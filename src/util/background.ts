/**
 * Work started after an answer was sent (a webhook's deploys, say), kept until it ends, so a
 * caller can wait for all of it: tests (running.parts.settled), and nothing else waits on it.
 */
export class Background {
  private readonly running = new Set<Promise<unknown>>();

  add(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  get pending(): number {
    return this.running.size;
  }

  /** Waits until none runs (including work added while it waited). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
