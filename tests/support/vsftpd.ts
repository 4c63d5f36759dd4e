/**
 * vsftpd from Debian for FTPS interop tests and benchmarks, after ../shared/interop/servers.sh:
 * explicit (AUTH TLS) and implicit FTPS, both with require_ssl_reuse=YES (data connections must
 * resume the control connection's TLS session), PROT P forced, a PAM user ftpuser/ftppass whose
 * home is a temporary folder. Needs root and the Debian package vsftpd (tests/support/peers.mjs installs it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturedOutput, startOnFreePorts } from './daemons.js';
import { reapOnDeath } from './reaper.js';
import { peerMissing } from './peers.mjs';
import { useServer } from './use-server.js';

export const VSFTPD = '/usr/sbin/vsftpd';
export const FTP_USER = 'ftpuser';
export const FTP_PASSWORD = 'ftppass';

export interface Vsftpd {
  /** The folder holding its configurations and logs (removed at stop). */
  dir: string;
  /** The FTP user's home (the chroot), where tests put and find files. */
  home: string;
  /** The account that logs in. */
  user: string;
  ports: { explicit: number; implicit: number };
  /** vsftpd's protocol log (commands and replies), for assertions on what the server saw. */
  log(): string;
  stop(): Promise<void>;
}

/** Why vsftpd cannot run here, or null when it can. */
export function vsftpdUnavailable(): string | null {
  return peerMissing(['vsftpd'], { needsRoot: 'vsftpd (it logs in a PAM user and chroots)' });
}

/** A PAM (system) account vsftpd logs in; README examples use their own. */
export interface FtpAccount {
  user: string;
  password: string;
}

/**
 * The accounts' passwd home. vsftpd changes into it at every login before it goes to local_root, so
 * it must outlive every instance: when each start pointed the shared account at its own folder, the
 * instance that stopped (and deleted that folder) broke every other one still running in the same
 * test run ("500 OOPS: cannot change directory"). Each instance's files live in its own local_root.
 */
export const ACCOUNT_HOME = '/var/lib/unitls-ftp';

/** The account's passwd home, or null when there is no such account. */
function passwdHome(user: string): string | null {
  try {
    return execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':')[5] ?? null;
  } catch {
    return null;
  }
}

function ensureUser({ user, password }: FtpAccount): void {
  mkdirSync(ACCOUNT_HOME, { recursive: true, mode: 0o755 });
  let home = passwdHome(user);
  if (home === null) {
    try {
      execFileSync('useradd', ['-M', '-d', ACCOUNT_HOME, '-s', '/bin/sh', user], { stdio: 'ignore' });
    } catch (error) {
      // Another suite of the same run may have added it a moment ago.
      if (passwdHome(user) === null) throw error;
    }
    home = passwdHome(user);
  }
  if (home !== ACCOUNT_HOME) execFileSync('usermod', ['-d', ACCOUNT_HOME, user], { stdio: 'ignore' });
  execFileSync('chpasswd', { input: `${user}:${password}\n` });
}

/**
 * Starts vsftpd (explicit and implicit FTPS); `{ tls: false }` starts it without TLS (ssl_enable=NO:
 * both ports plain FTP), for the plain-text transfer tests.
 */
export async function startVsftpd(cert: string, key: string, account: FtpAccount = { user: FTP_USER, password: FTP_PASSWORD }, options: { tls?: boolean } = {}): Promise<Vsftpd> {
  const tls = options.tls ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'unitls-vsftpd-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  mkdirSync(join(dir, 'empty'));
  mkdirSync(home);
  ensureUser(account);
  execFileSync('chown', [`${account.user}:${account.user}`, home]);
  copyFileSync(cert, join(dir, 'server.crt'));
  copyFileSync(key, join(dir, 'server.key'));
  const config = (port: number, log: string, implicit: boolean) => `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=${port}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=${home}
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=${dir}/empty
pam_service_name=vsftpd
seccomp_sandbox=NO
pasv_enable=YES
pasv_address=127.0.0.1
port_enable=YES
vsftpd_log_file=${dir}/${log}
log_ftp_protocol=YES
xferlog_enable=YES
ssl_enable=${tls ? 'YES' : 'NO'}
rsa_cert_file=${dir}/server.crt
rsa_private_key_file=${dir}/server.key
ssl_ciphers=HIGH
ssl_tlsv1=NO
ssl_sslv2=NO
ssl_sslv3=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
implicit_ssl=${implicit && tls ? 'YES' : 'NO'}
`;
  const forgets: Array<() => void> = [];
  const daemons: ChildProcess[] = [];
  const exits: Array<Promise<unknown>> = [];
  const start = async (kind: 'explicit' | 'implicit'): Promise<number> => {
    const { child, ports } = await startOnFreePorts(`vsftpd (${kind})`, 1, ([port]) => {
      writeFileSync(join(dir, `${kind}.conf`), config(port!, `${kind}.log`, kind === 'implicit'));
      // Pipes, not 'ignore': vsftpd says on stderr why it exits at start ("500 OOPS: could not bind listening IPv4 socket").
      const child = spawn(VSFTPD, [join(dir, `${kind}.conf`)], { stdio: ['ignore', 'pipe', 'pipe'] });
      exits.push(new Promise((resolve) => child.once('exit', resolve)));
      // Dies with the test process however it ends (see reaper.ts).
      if (child.pid !== undefined) forgets.push(reapOnDeath({ kill: child.pid }));
      return { child, output: capturedOutput(child) };
    });
    daemons.push(child);
    return ports[0]!;
  };
  // The folder goes with the test process too; the shared account home stays.
  forgets.push(reapOnDeath({ remove: dir }));
  const stopAll = async () => {
    for (const daemon of daemons) if (daemon.exitCode === null) daemon.kill('SIGTERM');
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
    for (const forget of forgets) forget();
  };
  let ports: { explicit: number; implicit: number };
  try {
    ports = { explicit: await start('explicit'), implicit: await start('implicit') };
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    dir,
    home,
    user: account.user,
    ports,
    log: () => ['explicit.log', 'implicit.log'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '')).join(''),
    stop: stopAll,
  };
}

/** Writes a file into the FTP user's home, owned by the user. */
export function putFile(server: Vsftpd, name: string, content: Uint8Array): string {
  const path = join(server.home, name);
  writeFileSync(path, content);
  execFileSync('chown', [`${server.user}:${server.user}`, path]);
  return path;
}

/**
 * A vsftpd started before a file's tests and stopped after them (failing the file when vsftpd
 * cannot run here: a skipped test counts as a failure); the returned function gives it.
 */
export function useVsftpd(cert: string, key: string): () => Vsftpd {
  return useServer(vsftpdUnavailable, () => startVsftpd(cert, key), 120_000);
}

