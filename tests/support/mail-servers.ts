/**
 * Real mail servers from Debian for interop tests: Postfix (SMTP on a STARTTLS-required
 * submission port, an implicit-TLS port and a plain port) with SASL through Dovecot, which also
 * serves IMAP and POP3. Adapted from ../shared/interop/servers.sh. Needs root and the Debian
 * packages postfix, dovecot-core, dovecot-imapd, dovecot-pop3d (tests/support/peers.mjs installs them). Ports are
 * picked free at start; everything lives in a temporary folder and is removed at stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort, waitForPort } from './daemons.js';
import { peerMissing } from './peers.mjs';
import { reapOnDeath } from './reaper.js';
import { tmpdir } from 'node:os';
import { useServer } from './use-server.js';
import { join } from 'node:path';

export interface MailServers {
  dir: string;
  ports: { smtp: number; submission: number; smtps: number; imap: number; imaps: number; pop3: number; pop3s: number };
  /** Messages Postfix delivered to the catch-all maildir (everyone but alice, whose mail goes to her Dovecot INBOX), oldest first. */
  delivered(): string[];
  stop(): Promise<void>;
}

/** Why the servers cannot run here, or null when they can. */
export function mailServersUnavailable(): string | null {
  return peerMissing(['postfix', 'dovecot-core', 'dovecot-imapd', 'dovecot-pop3d'], { needsRoot: 'Postfix and Dovecot (they drop privileges)' });
}

/** Passwords of the two Dovecot users (alice, bob); README examples log in with their own. */
export interface MailPasswords {
  alice: string;
  bob: string;
}

/** SASL mechanisms Dovecot offers (and Postfix through it) unless a caller asks for others. */
export const DEFAULT_AUTH_MECHANISMS = ['plain', 'login', 'cram-md5', 'scram-sha-256'];

export async function startMailServers(cert: string, key: string, passwords: MailPasswords = { alice: 'alicepass', bob: 'bobpass' }, authMechanisms = DEFAULT_AUTH_MECHANISMS): Promise<MailServers> {
  const dir = mkdtempSync(join(tmpdir(), 'unitls-mail-'));
  chmodSync(dir, 0o755);
  const ports = {
    smtp: await freePort(),
    submission: await freePort(),
    smtps: await freePort(),
    imap: await freePort(),
    imaps: await freePort(),
    pop3: await freePort(),
    pop3s: await freePort(),
  };
  // Daemons read these after dropping privileges: test-only keys, world-readable on purpose.
  copyFileSync(cert, join(dir, 'server.crt'));
  copyFileSync(key, join(dir, 'server.key'));
  chmodSync(join(dir, 'server.crt'), 0o644);
  chmodSync(join(dir, 'server.key'), 0o644);

  const D = join(dir, 'dovecot');
  const P = join(dir, 'postfix');
  for (const sub of ['run', 'state']) mkdirSync(join(D, sub), { recursive: true });
  for (const sub of ['etc', 'queue', 'data', 'mail']) mkdirSync(join(P, sub), { recursive: true });
  execFileSync('chown', ['postfix', join(P, 'data')]);
  execFileSync('chown', ['65534:65534', join(P, 'mail')]);
  writeFileSync(join(D, 'users'), `alice:{PLAIN}${passwords.alice}\nbob:{PLAIN}${passwords.bob}\n`);
  for (const user of ['alice', 'bob']) for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(D, 'home', user, 'Maildir', sub), { recursive: true });
  for (let i = 1; i <= 3; i++) {
    writeFileSync(
      join(D, 'home', 'alice', 'Maildir', 'cur', `170000000${i}.M${i}.interop:2,S`),
      `From: sender@example.test\r\nTo: alice@example.test\r\nSubject: Test message ${i}\r\nDate: Mon, 01 Jan 2024 10:0${i}:00 +0000\r\nMessage-ID: <msg${i}@example.test>\r\n\r\nHello body ${i}.\r\n`,
    );
  }
  execFileSync('chown', ['-R', '65534:65534', join(D, 'home')]);
  writeFileSync(
    join(D, 'dovecot.conf'),
    `protocols = imap pop3
listen = 127.0.0.1, 127.0.0.2
base_dir = ${D}/run
state_dir = ${D}/state
instance_name = unitls-dovecot-${ports.imap}
log_path = ${D}/dovecot.log
ssl = yes
ssl_cert = <${dir}/server.crt
ssl_key = <${dir}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = ${authMechanisms.join(' ')}
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${D}/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=${D}/home/%u
}
first_valid_uid = 1
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.imap}
  }
  inet_listener imaps {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.pop3s}
    ssl = yes
  }
}
service anvil {
  # No auth penalty: a refused password (the suites send wrong ones on purpose) made Dovecot delay
  # every later login from 127.0.0.1 by 2-15 s (~4 s per test after one). Brute-force protection is
  # not what these tests check; this is Dovecot's documented switch for it.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener ${P}/dovecot-auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`,
  );
  writeFileSync(
    join(P, 'etc', 'main.cf'),
    `compatibility_level = 3.6
myhostname = localhost
mydomain = example.test
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
queue_directory = ${P}/queue
data_directory = ${P}/data
maillog_file = ${P}/maillog
maillog_file_prefixes = ${P}
mail_owner = postfix
setgid_group = postdrop
alias_maps =
alias_database =
smtpd_banner = $myhostname ESMTP unitls-postfix
virtual_mailbox_domains = static:all
virtual_mailbox_base = ${D}/home
virtual_mailbox_maps = inline:{ alice@example.test=alice/Maildir/ }, static:catchall/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 1
smtpd_tls_cert_file = ${dir}/server.crt
smtpd_tls_key_file = ${dir}/server.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${P}/dovecot-auth
smtpd_sasl_auth_enable = yes
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
`,
  );
  writeFileSync(
    join(P, 'etc', 'master.cf'),
    `127.0.0.1:${ports.smtp} inet n - n - - smtpd
127.0.0.1:${ports.submission} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt
127.0.0.1:${ports.smtps} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
tlsmgr     unix - - n 1000? 1 tlsmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
local      unix - n n - - local
virtual    unix - n n - - virtual
lmtp       unix - - n - - lmtp
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
`,
  );
  execFileSync('postfix', ['-c', join(P, 'etc'), 'check']);
  const dovecot: ChildProcess = spawn('dovecot', ['-F', '-c', join(D, 'dovecot.conf')], { stdio: 'ignore' });
  // Postfix's master detaches from us, Dovecot is our child: neither would die with a killed test process.
  const forget = reapOnDeath({ run: ['postfix', '-c', join(P, 'etc'), 'stop'] }, ...(dovecot.pid === undefined ? [] : [{ kill: dovecot.pid }]), { remove: dir });
  for (let i = 0; i < 100 && !existsSync(join(P, 'dovecot-auth')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  execFileSync('postfix', ['-c', join(P, 'etc'), 'start'], { stdio: 'ignore' });
  for (const port of Object.values(ports)) await waitForPort(port, 'mail server');
  return {
    dir,
    ports,
    delivered() {
      const maildir = join(D, 'home', 'catchall', 'new');
      if (!existsSync(maildir)) return [];
      return readdirSync(maildir)
        .sort()
        .map((name) => readFileSync(join(maildir, name), 'utf8'));
    },
    async stop() {
      try {
        execFileSync('postfix', ['-c', join(P, 'etc'), 'stop'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
      dovecot.kill('SIGTERM');
      await new Promise((resolve) => (dovecot.exitCode === null ? dovecot.once('exit', resolve) : resolve(null)));
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * Starts the servers once for the calling test file (with the test PKI's server certificate) and
 * stops them after it; returns a getter. A machine without them fails the file with the reason.
 */
export function useMailServers(cert: string, key: string): () => MailServers {
  return useServer(mailServersUnavailable, () => startMailServers(cert, key), 60_000);
}
