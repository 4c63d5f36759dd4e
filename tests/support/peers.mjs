#!/usr/bin/env node
/**
 * The Debian packages the test suites use as real peers, and the one place that installs them.
 * Run by `npm test` (the root `pretest` script) and by .ci/run before `npm ci`; the suites that
 * need a peer ask `peerMissing()` and fail with its one line when it is absent.
 *
 * Adding a peer is one line in PEERS: the Debian package and a file or command that proves it is
 * installed (the probe, so a machine without dpkg is judged by what it has).
 *
 * Usage: `node tests/support/peers.mjs` installs what is missing when run as root where apt-get
 * exists, otherwise prints what to install. It exits 0 either way: a missing peer is reported by
 * the suites that need it (they fail with the reason), not by stopping the whole run.
 * `--check` only lists what is missing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** @type {ReadonlyArray<readonly [pkg: string, probe: string]>} */
export const PEERS = [
  ['openssl', 'openssl'], // s_server / s_client as independent TLS peers
  ['ca-certificates', '/etc/ssl/certs/ca-certificates.crt'], // TrustStore.system()
  ['curl', 'curl'], // second HTTP client against nginx
  ['python3', 'python3'], // second client: smtplib, imaplib, poplib, ftplib, http.client; node-gyp
  ['build-essential', 'make'], // node-gyp builds @unitls/tls-openssl's addon
  ['postfix', '/usr/sbin/postfix'], // SMTP interop
  ['dovecot-core', '/usr/sbin/dovecot'], // IMAP/POP3 interop, SASL for Postfix
  ['dovecot-imapd', '/usr/lib/dovecot/imap'],
  ['dovecot-pop3d', '/usr/lib/dovecot/pop3'],
  ['nginx', '/usr/sbin/nginx'], // HTTP/1.1 and h2 interop
  ['vsftpd', '/usr/sbin/vsftpd'], // FTPS interop (require_ssl_reuse)
  ['gnutls-bin', 'gnutls-serv'], // a TLS stack that is not OpenSSL: conformance peers (gnutls-serv / gnutls-cli)
  ['golang-go', 'go'], // Go's crypto/tls as a conformance peer (tests/support/go, standard library only)
];

const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function present(probe) {
  return probe.startsWith('/') ? existsSync(probe) : SEARCH.some((dir) => dir !== '' && executable(join(dir, probe)));
}

/** The Debian packages of `packages` (default: every peer) whose probe is absent here. */
export function missingPeers(packages = PEERS.map(([pkg]) => pkg)) {
  const unknown = packages.filter((pkg) => !PEERS.some(([known]) => known === pkg));
  if (unknown.length > 0) throw new Error(`not in tests/support/peers.mjs PEERS: ${unknown.join(' ')} (add one line there)`);
  return PEERS.filter(([pkg, probe]) => packages.includes(pkg) && !present(probe)).map(([pkg]) => pkg);
}

const isRoot = () => process.getuid?.() === 0;
const hasApt = () => present('apt-get');

/**
 * One line saying what to install when a peer of `packages` is missing (null when all are
 * present), for a suite to throw. `needsRoot` adds the requirement of servers that drop privileges.
 * @param {string[]} packages
 * @param {{ needsRoot?: string }} [options]
 * @returns {string | null}
 */
export function peerMissing(packages, options = {}) {
  const missing = missingPeers(packages);
  if (missing.length > 0) {
    return `missing Debian package(s) ${missing.join(' ')}: run \`node tests/support/peers.mjs\` as root (npm test does), or apt-get install ${missing.join(' ')}`;
  }
  if (options.needsRoot !== undefined && !isRoot()) return `${options.needsRoot} need root; run the tests as root`;
  return null;
}

/**
 * Installs the missing peers with apt-get when running as root on a machine with apt; returns the
 * packages still missing afterwards. Waits for dpkg's lock rather than failing (a shared machine).
 * @param {{ log?: (line: string) => void }} [options]
 */
export function ensurePeers({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const missing = missingPeers();
  if (missing.length === 0) return [];
  if (!isRoot() || !hasApt()) {
    log(`peers: missing Debian package(s) ${missing.join(' ')}; ${hasApt() ? 'run as root to install them' : 'no apt-get here: install them by hand'} (the suites that need them will fail)`);
    return missing;
  }
  log(`peers: installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
  // A fresh machine has no package lists; an install that fails may have stale ones.
  if (!apt(['install', '-y', '-qq', '--no-install-recommends', ...missing])) {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  }
  const still = missingPeers();
  if (still.length > 0) log(`peers: apt-get could not install ${still.join(' ')}`);
  return still;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) {
    const missing = missingPeers();
    console.log(missing.length === 0 ? 'peers: all installed' : `peers: missing ${missing.join(' ')}`);
  } else {
    const before = missingPeers();
    const after = ensurePeers();
    // Debian's postinst may leave services of the newly installed servers running; the tests
    // start their own instances on free ports and need none of them.
    if (before.length > after.length) {
      for (const service of ['postfix', 'dovecot', 'nginx', 'vsftpd']) {
        if (before.some((pkg) => pkg.startsWith(service))) spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
      }
    }
  }
}
