/**
 * A refused server certificate, as a user of each client meets it: expired, for another host,
 * self-signed, issued by an unknown CA. On every implementation and through every client (SMTP,
 * IMAP4, POP3 and FTP over implicit TLS and over their upgrade command; HTTPSConnection; fetch;
 * ssl-compat's connect) the error is the implementation's CertificateVerificationError: one class
 * to catch, `reason` on the error itself, and a message that names the problem.
 *
 * Before: HTTPSConnection raised an HTTPException (code UNITLS_CERTIFICATE_VERIFICATION) with the
 * CertificateVerificationError, and so the reason, only on `cause`.
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateVerificationError, type TLSImplementation, type VerificationFailureReason } from '@unitls/tls-core';
import { SMTP } from '@unitls/smtp';
import { IMAP4 } from '@unitls/imap';
import { POP3 } from '@unitls/pop';
import { FTP_TLS } from '@unitls/ftp';
import { HTTPSConnection, createDispatcher, fetch } from '@unitls/http';
import { createConnect } from '@unitls/ssl-compat';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { upgradeDialogue, type UpgradingProtocol } from '../support/upgrade-dialogues.js';
import { implementations } from '../conformance/implementations.js';

/** Each refused leaf, the reason every implementation gives, and what its message must name. */
const LEAVES = [
  ['expired', 'expired', /expired/i],
  ['wronghost', 'hostname-mismatch', /does not match host name "localhost"/],
  ['selfsigned', 'self-signed', /self-signed/i],
  ['untrusted', 'untrusted-issuer', /issuer/i],
] as const satisfies ReadonlyArray<readonly [string, VerificationFailureReason, RegExp]>;
type Leaf = (typeof LEAVES)[number][0];

/** node:tls servers presenting each leaf (implicit TLS: the handshake is all that happens). */
const servers = new Map<Leaf, { server: tls.Server; port: number }>();
beforeAll(async () => {
  for (const [leaf] of LEAVES) {
    const server = tls.createServer({ cert: pki.pem(leaf, 'chain.crt'), key: pki.pem(leaf, 'key') }, (socket) => socket.on('error', () => {}));
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.set(leaf, { server, port: (server.address() as { port: number }).port });
  }
});
afterAll(async () => {
  for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
});

const scripted = useScriptedServers();

function expectRefused(error: unknown, reason: VerificationFailureReason, names: RegExp): void {
  expect(error, String(error)).toBeInstanceOf(CertificateVerificationError);
  expect(error).toMatchObject({ code: 'UNITLS_CERTIFICATE_VERIFICATION', reason });
  expect((error as Error).message).toMatch(names);
}

type MailClient = { connect(): Promise<unknown>; close(): Promise<void> };

function mailClient(protocol: UpgradingProtocol, implementation: TLSImplementation, port: number, security: 'implicit' | 'starttls'): MailClient {
  const options = { host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000, security };
  switch (protocol) {
    case 'smtp':
      return new SMTP({ ...options, localHostname: 'client.test' });
    case 'imap':
      return new IMAP4(options);
    case 'pop':
      return new POP3(options);
    case 'ftp':
      return new FTP_TLS({ ...options, security: security === 'starttls' ? 'plaintext' : 'implicit' });
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('a refused certificate over %s', (_, implementation) => {
  describe.each(LEAVES)('%s', (leaf, reason, names) => {
    it.each(['smtp', 'imap', 'pop', 'ftp'] as const)('%s over implicit TLS and over its upgrade command', async (protocol) => {
      const implicit = mailClient(protocol, implementation, servers.get(leaf)!.port, 'implicit');
      expectRefused(await implicit.connect().catch((e: unknown) => e), reason, names);
      const server = await scripted(upgradeDialogue(protocol, pki.pem(leaf, 'chain.crt'), pki.pem(leaf, 'key')));
      const upgrading = mailClient(protocol, implementation, server.port, 'starttls');
      // FTP_TLS upgrades with auth(); the mail clients during connect().
      const error = await (protocol === 'ftp' ? upgrading.connect().then(() => (upgrading as FTP_TLS).auth()) : upgrading.connect()).catch((e: unknown) => e);
      expectRefused(error, reason, names);
      await upgrading.close();
    });

    it('HTTPSConnection: the CertificateVerificationError itself, not an HTTPException around it', async () => {
      await using connection = new HTTPSConnection('127.0.0.1', { port: servers.get(leaf)!.port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000 });
      connection.request('GET', '/');
      expectRefused(await connection.getresponse().catch((e: unknown) => e), reason, names);
    });

    it("fetch: undici's TypeError with the CertificateVerificationError as cause", async () => {
      const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
      try {
        const error = await fetch(`https://localhost:${servers.get(leaf)!.port}/`, { dispatcher }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        expectRefused((error as Error).cause, reason, names);
      } finally {
        await dispatcher.close();
      }
    });

    it("ssl-compat's connect: 'error' with the CertificateVerificationError", async () => {
      const socket = createConnect(implementation)({ host: '127.0.0.1', port: servers.get(leaf)!.port, servername: 'localhost', ca: pki.pem('root') });
      const [error] = (await once(socket, 'error').catch((e: unknown) => [e])) as [unknown];
      expectRefused(error, reason, names);
      expect(socket.destroyed).toBe(true);
    });
  });
});
