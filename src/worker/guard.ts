/**
 * A tiny supervisor the worker puts between itself and every deploy command. It starts the command
 * in its own process group and stops that whole group (SIGTERM, then SIGKILL after the grace
 * period) when the worker asks, or when the worker dies: a worker killed with SIGKILL closes the
 * IPC channel, and the guard then ends the orphaned deploy instead of letting it run on unseen.
 * Run as `node -e GUARD_SOURCE -- <graceMs> <program> [args...]`; arguments are argv, never a shell.
 */
export const GUARD_SOURCE = `
const { spawn } = require('node:child_process');
const [graceArg, program, ...args] = process.argv.slice(1);
const grace = Number(graceArg);
const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;
const group = (sig) => { try { process.kill(-child.pid, sig); } catch {} };
const stop = () => {
  if (stopping) return;
  stopping = true;
  group('SIGTERM');
  setTimeout(() => group('SIGKILL'), grace).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
child.on('error', (e) => {
  process.stderr.write('ferry: could not start ' + program + ': ' + e.message + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) { process.stderr.write('ferry: command ended by ' + signal + '\\n'); process.exit(128 + (require('node:os').constants.signals[signal] || 0)); }
  process.exit(code === null ? 1 : code);
});
`;
