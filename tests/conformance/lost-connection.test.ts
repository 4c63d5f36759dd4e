/**
 * The server's connection is lost at a chosen point of a real handshake (openssl s_server behind
 * tests/support/cut-relay.ts): right after the ClientHello, after the ServerHello, after the
 * Certificate, in the middle of the Certificate's record, and after the handshake in the middle
 * of the application-data record a recv waits for, as a FIN (and a reset right after the
 * ClientHello), over TLS 1.3 and TLS 1.2. One typed error kind per situation on every implementation, the cause kept:
 *   - a FIN during the handshake: a TLSError (not a TransportError) saying the connection closed
 *     during the TLS handshake;
 *   - a reset right after the ClientHello: a TransportError with systemCode ECONNRESET;
 *   - a FIN in the middle of a record after the handshake: RaggedEOF from recv.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RaggedEOF, TLSError, TLSVersion, TransportError, type TLSSocket } from '@unitls/tls-core';
import { cutRelay, type CutPoint, type CutRelay } from '../support/cut-relay.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';
import { sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CONTENT = { changeCipherSpec: 20, handshake: 22, applicationData: 23 } as const;

/**
 * Cut points in s_server's record stream (OpenSSL writes one handshake message per record;
 * -num_tickets 0: no tickets after the handshake). TLS 1.3: ServerHello, ChangeCipherSpec,
 * EncryptedExtensions, Certificate, CertificateVerify, Finished; TLS 1.2 (ECDHE):
 * ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, ChangeCipherSpec, Finished.
 */
const HANDSHAKE_CUTS: Record<'TLSv1.3' | 'TLSv1.2', ReadonlyArray<readonly [string, Omit<CutPoint, 'how'>]>> = {
  'TLSv1.3': [
    ['after the ClientHello', { records: 0 }],
    ['after the ServerHello', { records: 1 }],
    ['after the Certificate', { records: 4 }],
    ['in the middle of the Certificate record', { records: 3, partial: 40 }],
  ],
  'TLSv1.2': [
    ['after the ClientHello', { records: 0 }],
    ['after the ServerHello', { records: 1 }],
    ['after the Certificate', { records: 2 }],
    ['in the middle of the Certificate record', { records: 1, partial: 40 }],
  ],
};
/** Whole server records before the first application-data record (the reply): TLS 1.2 adds a NewSessionTicket. */
const HANDSHAKE_RECORDS = { 'TLSv1.3': 6, 'TLSv1.2': 7 } as const;

async function server(version: 'TLSv1.3' | 'TLSv1.2'): Promise<OpenSSLServer> {
  const started = await startServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-rev', '-num_tickets', '0', version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2']);
  cleanups.push(() => started.close());
  return started;
}

async function relay(port: number, point: CutPoint): Promise<CutRelay> {
  const started = await cutRelay(port, point);
  cleanups.push(() => started.close());
  return started;
}

function expectReset(error: unknown): void {
  expect(error).toBeInstanceOf(TransportError);
  expect(error).toMatchObject({ systemCode: 'ECONNRESET' });
  expect((error as Error).cause).toBeDefined();
}

describe.each(implementations.map((i) => [i.name, i] as const))('lost connection (%s)', (_, implementation) => {
  describe.each(['TLSv1.3', 'TLSv1.2'] as const)('%s', (version) => {
    const config = clientConfig({ highestSupportedVersion: version === 'TLSv1.3' ? TLSVersion.TLSv1_3 : TLSVersion.TLSv1_2 });

    it.each(HANDSHAKE_CUTS[version])('a FIN %s: connect rejects with a TLSError saying the connection closed during the handshake', async (_where, point) => {
      const { port } = await server(version);
      const cut = await relay(port, { ...point, how: 'end' });
      const error = await new implementation.clientContext(config).connect({ host: 'localhost', port: cut.port }).then(
        async (socket) => (await socket.close(true), null),
        (e: unknown) => e,
      );
      expect(cut.types.filter((type) => type === CONTENT.handshake || type === CONTENT.changeCipherSpec || type === CONTENT.applicationData).length).toBe(cut.types.length);
      expect(error).toBeInstanceOf(TLSError);
      expect(error).not.toBeInstanceOf(TransportError);
      // (No cause to keep: a FIN is no error; tls-node keeps node:tls's own "socket disconnected" as cause.)
      expect((error as Error).message).toBe('the connection closed during the TLS handshake');
    });

    // A reset once the server's first bytes went out is left out: every implementation then reports
    // the FIN's error (the same everywhere), the relay's RST racing the bytes before it; see the report.
    it.each(HANDSHAKE_CUTS[version].slice(0, 1))('a reset %s: connect rejects with a TransportError (ECONNRESET)', async (_where, point) => {
      const { port } = await server(version);
      const cut = await relay(port, { ...point, how: 'reset' });
      const error = await new implementation.clientContext(config).connect({ host: 'localhost', port: cut.port }).then(
        async (socket) => (await socket.close(true), null),
        (e: unknown) => e,
      );
      expectReset(error);
    });

    it.each(['end'] as const)('after the handshake, a %s in the middle of the record a recv waits for', async (how) => {
      const { port } = await server(version);
      const cut = await relay(port, { records: HANDSHAKE_RECORDS[version], partial: 12, how });
      const socket: TLSSocket = await new implementation.clientContext(config).connect({ host: 'localhost', port: cut.port });
      try {
        await sendText(socket, 'hello unitls\n');
        const error = await socket.recv(1024).then(
          (data) => new Error(`recv resolved with ${data.length} bytes`),
          (e: unknown) => e,
        );
        expect(cut.types[HANDSHAKE_RECORDS[version]]).toBe(CONTENT.applicationData);
        expect(how).toBe('end');
        expect(error).toBeInstanceOf(RaggedEOF);
        expect(error).not.toBeInstanceOf(TransportError);
      } finally {
        await socket.close(true);
      }
    });
  });
});
