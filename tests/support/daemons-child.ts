/**
 * A stand-in for a vitest worker, for reaper.test.ts: starts the mail servers, nginx, vsftpd and an
 * openssl s_server as the suites do, prints what it started as one JSON line (ports, folders, the
 * daemons' process ids, the reaper's), then waits to be killed. Run: node --import tsx daemons-child.ts CERT KEY CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMailServers } from './mail-servers.js';
import { startNginx } from './nginx.js';
import { startServer } from './openssl.js';
import { reaperPid } from './reaper.js';
import { startVsftpd } from './vsftpd.js';

const [cert, key, ca] = process.argv.slice(2) as [string, string, string];
const mail = await startMailServers(cert, key);
const nginx = await startNginx({ cert, key, clientCAs: [ca] });
const vsftpd = await startVsftpd(cert, key);
const opensslServer = await startServer(['-cert', cert, '-key', key, '-rev']);
/** Processes whose command line names `text` (the daemons' configuration paths are in their folders). */
const named = (text: string) =>
  execFileSync('pgrep', ['-f', text], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
const postfixMaster = Number(readFileSync(join(mail.dir, 'postfix', 'queue', 'pid', 'master.pid'), 'utf8').trim());
process.stdout.write(
  `${JSON.stringify({
    reaper: reaperPid(),
    ports: [...Object.values(mail.ports), ...Object.values(nginx.ports), ...Object.values(vsftpd.ports), opensslServer.port],
    dirs: [mail.dir, nginx.dir, vsftpd.dir],
    pids: [postfixMaster, ...named(mail.dir), ...named(nginx.dir), ...named(vsftpd.dir)],
  })}\n`,
);
setInterval(() => {}, 60_000);
