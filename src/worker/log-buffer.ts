import type { Logger } from 'pino';
import type { Redactor } from '../core/redact';
import type { LogStore } from '../store/logs';

/** Lines held before they are written at once, whatever the tick. */
const BATCH = 200;
const TICK_MS = 250;

/**
 * A running deploy's output on its way to the log store: lines are redacted, batched (every
 * 250 ms, or every 200 lines) and written in order; Ferry's own lines read "[ferry] …".
 */
export class LogBuffer {
  private readonly pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly deployId: number,
    private readonly logs: Pick<LogStore, 'append'>,
    private readonly redact: Redactor,
    private readonly log: Logger,
  ) {
    this.ticker = setInterval(() => void this.flush(), TICK_MS);
  }

  /** A line of Ferry's own (redacted too: it may quote outside text, such as a CI run's state or GitHub's message). */
  say(line: string): void {
    this.pending.push(`[ferry] ${this.redact(line)}`);
  }

  /** Lines as a command printed them (redacted here). */
  readonly lines = (lines: string[]): void => {
    for (const l of lines) this.pending.push(this.redact(l));
    if (this.pending.length >= BATCH) void this.flush();
  };

  /** A line written as it is (no prefix, not redacted): e.g. the smoke check's marker. */
  raw(line: string): void {
    this.pending.push(line);
  }

  flush(): Promise<void> {
    const lines = this.pending.splice(0);
    if (lines.length) {
      this.writing = this.writing
        .then(() => this.logs.append(this.deployId, lines))
        .catch((err: Error) => this.log.warn({ err: err.message }, 'log write failed'));
    }
    return this.writing;
  }

  /** Writes what is left and stops the ticker. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.flush();
  }
}
