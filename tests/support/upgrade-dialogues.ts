/**
 * The plain dialogue of each protocol client up to its TLS upgrade (SMTP STARTTLS, IMAP STARTTLS,
 * POP3 STLS, FTP AUTH TLS), then the same answers over TLS, for scripted servers: enough for
 * connect(), a NOOP and QUIT/LOGOUT. The server upgrades with the certificate it is given.
 */
import type { ScriptConnection } from './scripted-server.js';

export type UpgradingProtocol = 'smtp' | 'imap' | 'pop' | 'ftp';

/** What the server says for one command line; `upgrade` starts TLS once the reply is written. */
type Answer = { reply: string; upgrade?: true; end?: true };

const GREETING: Readonly<Record<UpgradingProtocol, string>> = {
  smtp: '220 scripted.test ESMTP\r\n',
  imap: '* OK [CAPABILITY IMAP4rev1 STARTTLS] scripted ready\r\n',
  pop: '+OK scripted ready\r\n',
  ftp: '220 scripted ready\r\n',
};

function answer(protocol: UpgradingProtocol, line: string): Answer {
  const [first = '', second = ''] = line.split(' ');
  switch (protocol) {
    case 'smtp': {
      const verb = first.toUpperCase();
      if (verb === 'EHLO') return { reply: '250-scripted.test\r\n250 STARTTLS\r\n' };
      if (verb === 'STARTTLS') return { reply: '220 go ahead\r\n', upgrade: true };
      if (verb === 'QUIT') return { reply: '221 bye\r\n', end: true };
      return { reply: '250 ok\r\n' };
    }
    case 'imap': {
      const verb = second.toUpperCase();
      if (verb === 'CAPABILITY') return { reply: `* CAPABILITY IMAP4rev1 STARTTLS\r\n${first} OK done\r\n` };
      if (verb === 'STARTTLS') return { reply: `${first} OK go ahead\r\n`, upgrade: true };
      if (verb === 'LOGOUT') return { reply: `* BYE bye\r\n${first} OK done\r\n`, end: true };
      return { reply: `${first} OK done\r\n` };
    }
    case 'pop': {
      const verb = first.toUpperCase();
      if (verb === 'CAPA') return { reply: '+OK\r\nSTLS\r\nUSER\r\n.\r\n' };
      if (verb === 'STLS') return { reply: '+OK go ahead\r\n', upgrade: true };
      if (verb === 'QUIT') return { reply: '+OK bye\r\n', end: true };
      return { reply: '+OK\r\n' };
    }
    case 'ftp': {
      const verb = first.toUpperCase();
      if (verb === 'AUTH') return { reply: '234 go ahead\r\n', upgrade: true };
      if (verb === 'QUIT') return { reply: '221 bye\r\n', end: true };
      if (verb === 'USER') return { reply: '331 password please\r\n' };
      if (verb === 'PASS') return { reply: '230 logged in\r\n' };
      return { reply: '200 ok\r\n' };
    }
  }
}

/** A scripted server's script: greeting, answers, the upgrade with `cert`/`key` (PEM), until QUIT or EOF. */
export function upgradeDialogue(protocol: UpgradingProtocol, cert: string, key: string): (c: ScriptConnection) => Promise<void> {
  return async (c) => {
    c.write(GREETING[protocol]);
    for (let line = await c.line(); line !== null; line = await c.line()) {
      const { reply, upgrade, end } = answer(protocol, line);
      c.write(reply);
      if (upgrade) await c.startTls(cert, key);
      if (end) return;
    }
  };
}
