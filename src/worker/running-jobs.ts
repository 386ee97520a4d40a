import { formatDuration } from '../core/duration';
import type { ShutdownReport } from '../shutdown';
import { withDeadline } from '../util/deadline';

/** The jobs a worker process is running, so that a shutdown can wait for them and say which it left. */
export class RunningJobs {
  private readonly running = new Map<
    string,
    { done: Promise<void>; deployId: number | undefined; release?: (() => void) | undefined; reported?: boolean }
  >();
  private report?: ShutdownReport;

  track<T>(label: string, deployId: number | undefined, work: () => Promise<T>): Promise<T> {
    const p = work();
    const entry = {
      done: p.then(
        () => {},
        () => {},
      ),
      deployId,
      release: this.report?.wait(`${label} running`),
    };
    this.running.set(label, entry);
    return p.finally(() => {
      if (this.running.get(label) === entry) this.running.delete(label);
      entry.release?.();
    });
  }

  labels(): string[] {
    return [...this.running.keys()];
  }

  /** From now on the report knows which jobs run (a second SIGTERM or the hard deadline names them). */
  reportTo(report: ShutdownReport): void {
    this.report = report;
    for (const [label, e] of this.running) e.release = report.wait(`${label} running`);
  }

  /** True once no job runs, false if some still do after `ms`. */
  idle(ms: number): Promise<boolean> {
    const all = async () => {
      while (this.running.size > 0) await Promise.all([...this.running.values()].map((e) => e.done));
      return true;
    };
    return withDeadline(all(), ms, false);
  }

  /** Notes each job still running (and not noted yet) as left unfinished, saying `when` and what becomes of it. */
  giveUp(report: ShutdownReport, leaseTtlMs: number, when: string): void {
    for (const [label, e] of this.running) {
      if (e.reported) continue;
      e.reported = true;
      if (e.deployId === undefined) report.gaveUp(`${label} was still running when ${when}; BullMQ runs it again once its lock expires`);
      else {
        report.gaveUp(
          `${label} was still running when ${when}, its outcome not recorded: the command supervisor stops its command when this process exits, ` +
            `its env lease expires within ${formatDuration(leaseTtlMs)}, and the next worker reports it lost (or runs it again with on_worker_lost: retry)`,
          { deployId: e.deployId },
        );
      }
    }
  }
}
