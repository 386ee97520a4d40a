/**
 * Work left running in the background (a webhook's deploys after its answer, deploy event
 * subscribers), kept until it ends so a caller can wait for all of it: a stopping process, tests.
 * A failure is the work's own to report; here it is only waited for.
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
