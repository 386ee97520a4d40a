/**
 * A tiny supervisor the worker puts between itself and every deploy command. It starts the command
 * in a process group of its own and:
 * - stops the whole group (SIGTERM, then SIGKILL after the grace period) when the worker says so
 *   over IPC, or when the worker dies (a worker killed with SIGKILL closes the IPC channel), so an
 *   orphaned deploy never runs on unseen;
 * - when the command exits, stops whatever it left running in its group (a background process
 *   would otherwise hold the output pipes open and outlive its deploy, overlapping the next one);
 * - ignores SIGINT and SIGTERM sent to it from outside (a Ctrl-C in the worker's terminal), so the
 *   worker alone decides, within its shutdown grace period, when a deploy is stopped.
 * Run as `node -e GUARD_SOURCE -- <graceMs> <program> [args...]`; arguments are argv, never a shell.
 */
export const GUARD_SOURCE = `
const { spawn } = require('node:child_process');
const [graceArg, program, ...args] = process.argv.slice(1);
const grace = Number(graceArg);
const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
const group = (sig) => { try { process.kill(-child.pid, sig); return true; } catch { return false; } };
// Stops the group once; calls onGone (set when the command has exited) when nothing of it is left.
let stopping = false;
let gone = false;
let onGone = null;
const done = () => { gone = true; if (onGone) onGone(); };
const stopGroup = () => {
  if (stopping) return;
  stopping = true;
  if (!group('SIGTERM')) return done();
  const started = Date.now();
  const check = setInterval(() => {
    if (!group(0)) { clearInterval(check); done(); }
    else if (Date.now() - started >= grace) { group('SIGKILL'); clearInterval(check); setTimeout(done, 100); }
  }, 50);
};
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
process.on('message', (m) => { if (m === 'stop') stopGroup(); });
process.on('disconnect', () => stopGroup());
child.on('error', (e) => {
  process.stderr.write('ferry: could not start ' + program + ': ' + e.message + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => {
  const status = signal ? 128 + (require('node:os').constants.signals[signal] || 0) : code === null ? 1 : code;
  if (signal) process.stderr.write('ferry: command ended by ' + signal + '\\n');
  onGone = () => process.exit(status);
  if (gone) onGone();
  else stopGroup();
});
`;
