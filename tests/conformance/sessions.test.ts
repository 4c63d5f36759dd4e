/**
 * Sessions are opaque and bound to the context that made them (its configuration fingerprint and
 * insecure flags) and to the name that was verified (issue #14 item 2): a resumed session skips
 * certificate verification, so any other context or name is refused with a ConfigurationError
 * before a byte is sent, on every implementation.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  CertificateVerificationError,
  ConfigurationError,
  TLSSession,
  TrustStore,
  startTls,
  type ClientContext,
  type TLSClientConfiguration,
  type TLSImplementation,
  type TLSSocket,
} from '@unitls/tls-core';
import { InsecureConfiguration, InsecureTLSImplementation } from '@unitls/insecure';
import { chainOf, clientConfig, pki, serverConfig } from '../support/fixtures.js';
import type { PkiName } from '../support/pki.js';
import { recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

/** A listener of `implementation` serving `leaf`, counting the connections that reach it. */
async function serve(implementation: TLSImplementation, leaf: PkiName) {
  const listener = await new implementation.serverContext(serverConfig(leaf)).connect({ host: '127.0.0.1', port: 0 });
  const port = listener.getsockname()!.port;
  return {
    port,
    /** Connects with `context` and returns the client socket with a session in hand (TLS 1.3 tickets come after the handshake). */
    async session(context: ClientContext, serverHostname = 'localhost'): Promise<{ socket: TLSSocket; session: TLSSession; close(): Promise<void> }> {
      const [socket, [server]] = await Promise.all([context.connect({ host: '127.0.0.1', port }, { serverHostname }), listener.accept()]);
      let session = socket.session!();
      for (let i = 0; i < 5 && session === null; i++) {
        await sendText(server, 'x');
        await recvExactly(socket, 1);
        session = socket.session!();
      }
      expect(session).toBeInstanceOf(TLSSession);
      return { socket, session: session!, close: () => Promise.all([socket.close(true), server.close(true)]).then(() => {}) };
    },
    /** Connects `context` with `session` and reports whether it resumed. */
    async resume(context: ClientContext, session: TLSSession, serverHostname = 'localhost'): Promise<boolean> {
      const [socket, [server]] = await Promise.all([context.connect({ host: '127.0.0.1', port }, { serverHostname, session }), listener.accept()]);
      const reused = socket.sessionReused!;
      await Promise.all([socket.close(true), server.close(true)]);
      return reused;
    },
    close: () => listener.close(),
  };
}

const resuming = implementations.filter((i) => i.features.sessionResumption);

describe.each(resuming.map((i) => [i.name, i] as const))('session binding (%s)', (_, implementation) => {
  it('refuses, in a strict context, a session an insecure context made with a server it could not verify (the issue)', async () => {
    const server = await serve(implementation, 'untrusted');
    try {
      const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true }));
      const made = await server.session(new insecure.clientContext(clientConfig()));
      await made.close();
      const strict = new implementation.clientContext(clientConfig());
      // Without a session the strict context refuses the server, as it must...
      await expect(strict.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' })).rejects.toBeInstanceOf(
        CertificateVerificationError,
      );
      // ...and the insecure context's session does not get it past the trust store.
      const error = await strict.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost', session: made.session }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/made by a context with another configuration/);
      if (implementation.features.buffer) expect(() => strict.createBuffer('localhost', { session: made.session })).toThrow(ConfigurationError);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['another trust store', () => clientConfig({ trustStore: TrustStore.fromFile(pki.path('intermediate')) })],
    ['other ciphers', () => clientConfig({ ciphers: [0x1302] })],
    ['other versions', () => clientConfig({ lowestSupportedVersion: 'TLSv1.3' })],
    ['a client certificate', () => clientConfig({ certificateChain: chainOf('client') })],
    ['ALPN', () => clientConfig({ innerProtocols: ['http/1.1'] })],
  ] as const)('refuses a session in a context with %s', async (_label, other: () => TLSClientConfiguration) => {
    const server = await serve(implementation, 'server-ec');
    try {
      const made = await server.session(new implementation.clientContext(clientConfig()));
      await made.close();
      await expect(
        new implementation.clientContext(other()).connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost', session: made.session }),
      ).rejects.toBeInstanceOf(ConfigurationError);
    } finally {
      await server.close();
    }
  });

  it('resumes in another context with an equal configuration, and in the same context', async () => {
    const server = await serve(implementation, 'server-ec');
    try {
      const context = new implementation.clientContext(clientConfig());
      const made = await server.session(context);
      await made.close();
      expect(await server.resume(new implementation.clientContext(clientConfig()), made.session)).toBe(true);
      const again = await server.session(context);
      await again.close();
      expect(await server.resume(context, again.session)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses a session for another name, even one the certificate also covers', async () => {
    const server = await serve(implementation, 'server-ec');
    try {
      const context = new implementation.clientContext(clientConfig());
      const made = await server.session(context, 'localhost');
      await made.close();
      expect(made.session.serverHostname).toBe('localhost');
      await expect(context.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: '127.0.0.1', session: made.session })).rejects.toThrow(
        /verified for "localhost", not "127.0.0.1"/,
      );
      // The same name in another spelling is the same name.
      expect(await server.resume(context, made.session, 'LOCALHOST.')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses anything that is not a TLSSession, and cannot be forged or read', async () => {
    const server = await serve(implementation, 'server-ec');
    try {
      const context = new implementation.clientContext(clientConfig());
      const made = await server.session(context);
      await made.close();
      expect(Object.keys(made.session)).toEqual([]);
      expect((made.session as unknown as { data?: unknown }).data).toBeUndefined();
      expect(Object.isFrozen(made.session)).toBe(true);
      expect(() => new (TLSSession as unknown as new () => TLSSession)()).toThrow(TypeError);
      const forged = { implementation: implementation.name, data: new Uint8Array(32), serverHostname: 'localhost', peerCertificate: null };
      await expect(context.connect({ host: '127.0.0.1', port: server.port }, { session: forged as never })).rejects.toBeInstanceOf(ConfigurationError);
    } finally {
      await server.close();
    }
  });

  it('refuses a foreign session in startTls before touching the socket', async () => {
    const server = await serve(implementation, 'server-ec');
    const plainServer = netServer((socket) => socket.on('error', () => {})).listen(0, '127.0.0.1');
    await once(plainServer, 'listening');
    const plain = netConnect((plainServer.address() as { port: number }).port, '127.0.0.1');
    try {
      await once(plain, 'connect');
      const made = await server.session(new implementation.clientContext(clientConfig()));
      await made.close();
      const other = new implementation.clientContext(clientConfig({ ciphers: [0x1301] }));
      await expect(startTls(other, plain, { serverHostname: 'localhost', session: made.session })).rejects.toBeInstanceOf(ConfigurationError);
      expect(plain.destroyed).toBe(false);
    } finally {
      plain.destroy();
      plainServer.close();
      await server.close();
    }
  });
});

describe('sessions across implementations', () => {
  it.each(resuming.flatMap((a) => resuming.filter((b) => b !== a).map((b) => [a.name, b.name, a, b] as const)))(
    'a %s session is refused by %s',
    async (_a, _b, maker, other) => {
      const server = await serve(maker, 'server-ec');
      try {
        const made = await server.session(new maker.clientContext(clientConfig()));
        await made.close();
        await expect(
          new other.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost', session: made.session }),
        ).rejects.toThrow(new RegExp(`implementation "${maker.name}"`));
      } finally {
        await server.close();
      }
    },
  );
});
