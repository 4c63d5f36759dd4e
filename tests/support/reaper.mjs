// The reaper: a process started (detached, in its own session) by a test process that runs
// daemons. It reads cleanup actions, one JSON line each, from its stdin, which only the test
// process holds open: `{"add":id,"action":...}` adds one, `{"forget":id}` drops one (the test
// stopped that daemon itself). When stdin ends, because the test process exited or was killed
// (SIGKILL included: no hook in the test process is needed), it carries out the actions left, in
// the order they were added (folders removed last, after the signalled processes exited), and exits. Actions: {"kill":pid,"signal":"SIGTERM"},
// {"run":["postfix","-c","dir","stop"]}, {"remove":"/tmp/dir"}. See reaper.ts.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const actions = new Map();
let pending = '';

function perform(action) {
  try {
    if ('kill' in action) process.kill(action.kill, action.signal ?? 'SIGTERM');
    else if ('run' in action) execFileSync(action.run[0], action.run.slice(1), { stdio: 'ignore', timeout: 20_000 });
    else if ('remove' in action) rmSync(action.remove, { recursive: true, force: true });
  } catch {
    // Already gone (ESRCH), already stopped: nothing more to do for this one.
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  pending += text;
  let end;
  while ((end = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    try {
      const message = JSON.parse(line);
      if ('add' in message) actions.set(message.add, message.action);
      else if ('forget' in message) actions.delete(message.forget);
    } catch {
      // Not a line from reaper.ts: ignored.
    }
  }
});
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
// Folders go last, once the processes signalled have exited (up to 10 s): a daemon still shutting
// down (Dovecot, Postfix's master) writes into its folder after a removal that ran right after the
// signal, and the folder stayed behind (CI at ded832c, reaper.test "killed with SIGTERM").
process.stdin.on('close', () => {
  const all = [...actions.values()];
  for (const action of all) if (!('remove' in action)) perform(action);
  const signalled = all.filter((action) => 'kill' in action).map((action) => action.kill);
  const until = Date.now() + 10_000;
  while (signalled.some(alive) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  for (const action of all) if ('remove' in action) perform(action);
  process.exit(0);
});
// The test process's terminal or group being signalled is not this process's business.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
