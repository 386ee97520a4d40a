/** CPU readings from /proc (Linux), for the bench's children and the bench itself. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time in clock ticks (see `getconf CLK_TCK`) from /proc: this process's own (utime + stime),
 * what its reaped descendants used (cutime + cstime), and what its live descendants used so far
 * (utime + stime + cutime + cstime of each, found by walking /proc/<pid>/stat parent links).
 */
export interface CpuReading {
  self: number;
  reaped: number;
  live: number;
  liveCount: number;
  clkTck: number;
  at: number;
}

interface ProcStat {
  ppid: number;
  own: number;
  children: number;
}

function procStat(pid: number | 'self'): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

let clkTck = 0;
function ticksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export function cpuReading(): CpuReading {
  const hz = ticksPerSecond();
  const byParent = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const st = procStat(pid);
    if (!st) continue;
    stats.set(pid, st);
    const list = byParent.get(st.ppid) ?? [];
    list.push(pid);
    byParent.set(st.ppid, list);
  }
  let live = 0;
  let liveCount = 0;
  const stack = [...(byParent.get(process.pid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    const st = stats.get(pid)!;
    live += st.own + st.children;
    liveCount++;
    stack.push(...(byParent.get(pid) ?? []));
  }
  const self = procStat('self')!;
  return { self: self.own, reaped: self.children, live, liveCount, clkTck: hz, at: Date.now() };
}

/**
 * The machine's busy CPU time so far, in clock ticks (/proc/stat's first line: user, nice, system,
 * irq, softirq; not idle, iowait or steal).
 */
export function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]!;
}

export const cpuTotal = (c: CpuReading): number => c.self + c.reaped + c.live;

/** Wall-clock ms with a fraction (the same clock in every process of the machine). */
export const wallMs = (): number => performance.timeOrigin + performance.now();
