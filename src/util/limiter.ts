/**
 * Runs at most `max` tasks at once, in the order they were given. Tasks start on a later turn of
 * the event loop (setImmediate), so whatever the caller was doing (answering Slack's request)
 * finishes first.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            const next = this.waiting.shift();
            if (next) setImmediate(next);
          });
      };
      if (this.active + this.waiting.length < this.max) setImmediate(start);
      else this.waiting.push(start);
    });
  }
}
