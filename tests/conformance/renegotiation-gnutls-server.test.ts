/**
 * The renegotiation refusal as a client against a server other than openssl s_server (which ends
 * with handshake_failure: renegotiation.test.ts): gnutls-serv in echo mode sends a HelloRequest
 * when a client line says **REHANDSHAKE** (it answers "Successfully executed command"). Every
 * implementation refuses (no_renegotiation warning); GnuTLS then closes the TCP connection with no
 * alert and no close_notify (its log: "A TLS warning alert has been received"; openssl s_client
 * -no_renegotiation reports "unexpected eof" the same way). recv says so on every implementation:
 * RaggedEOF after the answer, and again on the next recv: no hang, no clean end, no data after.
 * (RENEGOTIATION_REFUSED is not inferred from a bare FIN: tls-node and tls-openssl cannot see the
 * HelloRequest they refused.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RaggedEOF, TLSVersion } from '@unitls/tls-core';
import { gnutls, type PeerServer } from '../support/foreign-peers.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const servers: PeerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** What recv gave: the text, or the error. */
function outcome(promise: Promise<Uint8Array>): Promise<unknown> {
  return promise.then((data) => Buffer.from(data).toString(), (error: unknown) => error);
}

describe.each(implementations.map((i) => [i.name, i] as const))('a GnuTLS server’s HelloRequest (%s client)', (_, implementation) => {
  it('after the answer, recv rejects with RaggedEOF (GnuTLS closes with a bare FIN), and again after', async () => {
    const server = await gnutls.server(pki);
    servers.push(server);
    const socket = await new implementation.clientContext(clientConfig({ highestSupportedVersion: TLSVersion.TLSv1_2 })).connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' });
    try {
      expect(socket.negotiatedTlsVersion).toBe('TLSv1.2');
      await socket.send(new TextEncoder().encode('ping\n'));
      let received = '';
      while (!received.includes('ping\n')) received += Buffer.from(await socket.recv(100)).toString();
      await socket.send(new TextEncoder().encode('**REHANDSHAKE**\n'));
      let last: unknown;
      for (last = await outcome(socket.recv(100)); typeof last === 'string' && last !== ''; last = await outcome(socket.recv(100))) received += last;
      expect(received).toBe('ping\nSuccessfully executed command\n');
      expect(last, String(last)).toBeInstanceOf(RaggedEOF);
      expect(await outcome(socket.recv(100))).toBeInstanceOf(RaggedEOF);
    } finally {
      await socket.close(true);
    }
  });
});
