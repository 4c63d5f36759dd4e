/**
 * A caller's own `transport` that was set to text (`socket.setEncoding(...)`, the usual way to read
 * "220 ready" lines) before the client got it: the plaintext phase, the upgrade (SMTP STARTTLS,
 * IMAP STARTTLS, POP3 STLS, FTP AUTH TLS) and the commands over TLS work as over a byte socket, on
 * every implementation, whether the greeting is still to come or already buffered (as text) when
 * the factory returns the socket.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TLSImplementation } from '@unitls/tls-core';
import { SMTP } from '@unitls/smtp';
import { IMAP4 } from '@unitls/imap';
import { POP3 } from '@unitls/pop';
import { FTP_TLS } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { upgradeDialogue, type UpgradingProtocol } from '../support/upgrade-dialogues.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();

type Moment = 'at connect' | 'after the greeting arrived';

/** The caller's factory: a TCP socket read as `encoding`, handed over at `moment`. */
function textTransport(encoding: BufferEncoding, moment: Moment, made: Socket[]) {
  return async ({ host, port }: { host: string; port: number }): Promise<Socket> => {
    const socket = netConnect({ host, port });
    made.push(socket);
    socket.setEncoding(encoding);
    await once(socket, 'connect');
    if (moment === 'after the greeting arrived') await once(socket, 'readable');
    return socket;
  };
}

/** connect(), the upgrade, a command over TLS, QUIT / LOGOUT: what each returned, as text. */
async function session(protocol: UpgradingProtocol, implementation: TLSImplementation, port: number, transport: ReturnType<typeof textTransport>): Promise<string[]> {
  const options = { host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000, transport };
  switch (protocol) {
    case 'smtp': {
      const smtp = new SMTP({ ...options, security: 'starttls', localHostname: 'client.test' });
      const greeting = await smtp.connect();
      const noop = await smtp.noop();
      const secure = smtp.secure;
      await smtp.quit();
      return [String(greeting.code), String(noop.code), String(secure)];
    }
    case 'imap': {
      const imap = new IMAP4({ ...options, security: 'starttls' });
      await imap.connect();
      const noop = await imap.noop();
      const secure = imap.secure;
      await imap.logout();
      return [noop.tagged.status, String(secure)];
    }
    case 'pop': {
      const pop = new POP3({ ...options, security: 'starttls' });
      const greeting = await pop.connect();
      const capabilities = await pop.capa(); // NOOP is for the TRANSACTION state: CAPA over TLS
      const secure = pop.secure;
      await pop.quit();
      return [greeting, [...capabilities.keys()].join(' '), String(secure)];
    }
    case 'ftp': {
      const ftp = new FTP_TLS({ ...options, security: 'plaintext' });
      const greeting = await ftp.connect();
      const auth = await ftp.auth();
      const noop = await ftp.voidcmd('NOOP');
      await ftp.quit();
      return [greeting, auth, String(noop.code ?? noop)];
    }
  }
}

const EXPECTED: Readonly<Record<UpgradingProtocol, string[]>> = {
  smtp: ['220', '250', 'true'],
  imap: ['OK', 'true'],
  pop: ['scripted ready', 'STLS USER', 'true'],
  ftp: ['220 scripted ready', '234 go ahead', '200'],
};

describe.each(implementations.map((i) => [i.name, i] as const))('a text transport from the caller, over %s', (_, implementation) => {
  describe.each(['smtp', 'imap', 'pop', 'ftp'] as const)('%s', (protocol) => {
    it.each([
      ['utf8', 'at connect'],
      ['utf8', 'after the greeting arrived'],
      ['latin1', 'after the greeting arrived'],
    ] as const)("setEncoding('%s'), handed over %s: plaintext, upgrade, a command over TLS, quit", async (encoding, moment) => {
      const server = await scripted(upgradeDialogue(protocol, pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key')));
      const made: Socket[] = [];
      const result = await session(protocol, implementation, server.port, textTransport(encoding, moment, made)).catch((e: unknown) => e);
      made.forEach((socket) => socket.destroy());
      expect(result, String(result)).toEqual(EXPECTED[protocol]);
      await server.done();
    });
  });
});
