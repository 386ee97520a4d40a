// @ts-check
/**
 * Ferry's command supervisor: one small process per worker process, started by
 * src/worker/supervisor.ts as `node supervisor-process.js`, in a session and process group of its
 * own, so that whatever kills the worker's process group (kill -9 of the group, systemd's
 * control-group stop, an OOM kill of the group) does not kill it too.
 *
 * It runs every deploy (and smoke) command for the worker, each in a process group of its own,
 * without a shell, and relays their output over the IPC channel. It stops a command's whole group
 * (SIGTERM, then SIGKILL after the grace period):
 * - when the worker asks (timeout, cancel, shutdown, lost lease);
 * - when the command exits and left processes behind in its group (they would hold the output
 *   pipes open and outlive the deploy, overlapping the next one);
 * - when the worker dies: its end of the IPC channel closes, and every command still running is
 *   stopped at once. The supervisor exits when the last of them is gone.
 * The worker, for its part, kills the groups itself if this process dies (see supervisor.ts).
 *
 * Messages in:  {t:'run', id, argv, cwd, env, graceMs} | {t:'stop', id}
 * Messages out: {t:'started', id, pid} | {t:'out', id, s: 1|2 (stdout, stderr), d: utf-8 text}
 *               | {t:'exit', id, code, signal, error?} (once nothing of the command is left)
 * Nothing it is given reaches a shell: argv[0] is the program, the rest its arguments.
 */

const { spawn } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const { constants } = require('node:os');

/** Output still in a command's pipes after its group is gone gets this long to arrive. */
const PIPE_DRAIN_MS = 2_000;
/** How often a group being stopped is looked at. */
const POLL_MS = 50;

/** @typedef {{ id: number, pid?: number | undefined, graceMs: number, stopping: boolean, gone: boolean, exit?: { code: number, signal: string | null }, onGone: (() => void)[], child: import('node:child_process').ChildProcess }} Run */

/** @type {Map<number, Run>} */
const runs = new Map();
let orphaned = false;

/** @param {object} m */
function send(m) {
  if (!process.connected) return;
  try {
    process.send?.(m, undefined, undefined, () => {});
  } catch {
    // the worker is gone; 'disconnect' handles it
  }
}

/**
 * Signals the command's group; false once nothing of it is left. (Signal 0 only asks.)
 * @param {Run} r
 * @param {NodeJS.Signals | 0} sig
 */
function signalGroup(r, sig) {
  if (r.pid === undefined) return false;
  try {
    process.kill(-r.pid, sig);
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
  return sig !== 0 || !onlyZombies(r.pid);
}

/**
 * True when every process left in the group has exited and only waits to be reaped (a zombie whose
 * parent died waits for pid 1, which in a container without an init may never reap it). Linux
 * only (/proc); elsewhere false, and the group counts as alive until the kernel says it is gone.
 * @param {number} pgid
 */
function onlyZombies(pgid) {
  let names;
  try {
    names = readdirSync('/proc');
  } catch {
    return false;
  }
  let any = false;
  for (const name of names) {
    if (name < '0' || name > '9') continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) !== pgid) continue;
    any = true;
    if (state !== 'Z' && state !== 'X') return false;
  }
  return any;
}

/** @param {Run} r */
function groupGone(r) {
  if (r.gone) return;
  r.gone = true;
  for (const f of r.onGone.splice(0)) f();
}

/**
 * Calls f once no process of the command's group is left (at once if that is so already).
 * @param {Run} r
 * @param {() => void} f
 */
function whenGone(r, f) {
  if (r.gone) f();
  else r.onGone.push(f);
}

/**
 * Stops the command's whole group once: SIGTERM, SIGKILL after the grace period, and groupGone()
 * when no process of it is left.
 * @param {Run} r
 * @param {number} graceMs
 */
function stopGroup(r, graceMs) {
  if (r.stopping) return;
  r.stopping = true;
  if (!signalGroup(r, 'SIGTERM')) return groupGone(r);
  const started = Date.now();
  let killed = false;
  const check = setInterval(() => {
    if (!signalGroup(r, 0)) {
      clearInterval(check);
      groupGone(r);
    } else if (!killed && Date.now() - started >= graceMs) {
      killed = true;
      signalGroup(r, 'SIGKILL');
    }
  }, POLL_MS);
}

/** @param {{ id: number, argv: string[], cwd: string, env: Record<string, string>, graceMs: number }} m */
function run(m) {
  if (orphaned) return;
  const [program, ...args] = m.argv;
  /** @type {Run} */
  const r = {
    id: m.id,
    graceMs: m.graceMs,
    stopping: false,
    gone: false,
    onGone: [],
    child: spawn(/** @type {string} */ (program), args, { cwd: m.cwd, env: m.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
  };
  runs.set(m.id, r);
  r.pid = r.child.pid;
  if (r.pid !== undefined) send({ t: 'started', id: m.id, pid: r.pid });
  r.child.stdout?.setEncoding('utf8').on('data', (/** @type {string} */ d) => send({ t: 'out', id: m.id, s: 1, d }));
  r.child.stderr?.setEncoding('utf8').on('data', (/** @type {string} */ d) => send({ t: 'out', id: m.id, s: 2, d }));
  let closed = false;
  r.child.once('close', () => {
    closed = true;
  });
  r.child.on('error', (err) => {
    if (r.pid !== undefined) return; // an error after the start (a failed kill): the exit still comes
    runs.delete(m.id);
    send({ t: 'exit', id: m.id, code: 127, signal: null, error: `could not start ${program}: ${err.message}` });
    maybeExit();
  });
  r.child.on('exit', (code, signal) => {
    r.exit = { code: signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1), signal };
    // Whatever it left running in its group goes too, before the deploy counts as over.
    whenGone(r, () => {
      const done = () => {
        runs.delete(m.id);
        send({ t: 'exit', id: m.id, code: r.exit?.code ?? 1, signal: r.exit?.signal ?? null });
        maybeExit();
      };
      if (closed) return done();
      const drain = setTimeout(() => {
        r.child.stdout?.destroy();
        r.child.stderr?.destroy();
        done();
      }, PIPE_DRAIN_MS);
      r.child.once('close', () => {
        clearTimeout(drain);
        done();
      });
    });
    if (!signalGroup(r, 0)) groupGone(r);
    else stopGroup(r, r.graceMs);
  });
}

function maybeExit() {
  if (orphaned && runs.size === 0) process.exit(0);
}

// Only the worker decides when a command stops: a Ctrl-C or a SIGTERM meant for the worker's
// terminal or service is not for this process (it is in a session of its own anyway).
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {});

process.on('message', (/** @type {any} */ m) => {
  if (m?.t === 'run') run(m);
  else if (m?.t === 'stop') {
    const r = runs.get(m.id);
    if (r) stopGroup(r, r.graceMs);
  }
});

// The worker has gone (it exited, or was killed with its group): nobody watches these commands
// any more, so none may run on. Each is stopped as a timeout would stop it.
process.on('disconnect', () => {
  orphaned = true;
  for (const r of runs.values()) stopGroup(r, r.graceMs);
  maybeExit();
});
