/**
 * Interop with TLS stacks that are not OpenSSL, or not OpenSSL as we drive it: GnuTLS
 * (gnutls-serv / gnutls-cli), Go's crypto/tls, and Python's ssl module. Every implementation,
 * both directions, every PEP 748 suite the peer has (GnuTLS and Python: all 15; Go: the 9 without
 * AES-CCM), and session resumption over TLS 1.2 and TLS 1.3 both ways. One peer server and one
 * peer client driver per peer serve every case; our side restricts the suite, so the peer must
 * negotiate exactly it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CipherSuite, cipherSuiteName, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { cleanUpPython, gnutls, go, isEcdsa12, isTls13, killPeers, python, type ForeignPeer, type PeerClient, type PeerServer, type Version } from '../support/foreign-peers.js';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { recvUntil, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

afterAll(async () => {
  await killPeers();
  cleanUpPython();
});

/**
 * tls-pure requires the extended master secret in TLS 1.2 (issue #17, RFC 7627 §5.3); a peer
 * without it is refused, with that reason, rather than met without it.
 */
const refusedWithoutEms = (implementation: TLSImplementation, peer: ForeignPeer, version: Version) =>
  version === 'TLSv1.2' && !peer.extendedMasterSecret && implementation.name.startsWith('pure');
const EMS_REFUSAL = /extended master secret/;

const leafFor = (id: number) => (isTls13(id) || isEcdsa12(id) ? 'server-ec' : 'server-rsa');
const versionOf = (id: number): Version => (isTls13(id) ? 'TLSv1.3' : 'TLSv1.2');
const named = (ids: readonly number[]) => ids.map((id) => [cipherSuiteName(id), id] as const);

/**
 * pure-noble (tls-pure's engine over the @noble provider, issue #17: "both providers run the
 * conformance suite") meets every peer in full: every suite each has, both ways, and resumption.
 * Until session 15 it met GnuTLS and Go with one TLS 1.3 and one TLS 1.2 suite each way only, so
 * @noble's AES-CCM never met GnuTLS and its AES-256-GCM / ChaCha20-Poly1305 never met Go.
 * pure-opensslaead (the opt-in third provider, whose AEAD is tls-openssl's, everything else the
 * default provider's) meets Python's ssl in full and GnuTLS and Go with one suite per version
 * each way: what it changes is only the AES-GCM and ChaCha20-Poly1305 records, which
 * openssl-peers.test.ts runs for every suite.
 */
const FULL_PEER_FOR_OPENSSL_AEAD = "Python's ssl";
const OTHER_PROVIDER = new Set(['pure-opensslaead']);
const fullMatrix = (peer: ForeignPeer, implementation: TLSImplementation) => !OTHER_PROVIDER.has(implementation.name) || peer.name === FULL_PEER_FOR_OPENSSL_AEAD;
const suitesFor = (peer: ForeignPeer, implementation: TLSImplementation) =>
  fullMatrix(peer, implementation) ? peer.suites : [peer.suites.find(isTls13)!, peer.suites.find((id) => !isTls13(id))!];

/** What our server side saw of one connection. */
interface Served {
  readonly cipher: number | null;
  readonly version: string | null;
  readonly resumed: boolean | undefined;
  /** The handshake failed: accept() rejected with this. */
  readonly error?: Error;
}

/**
 * Serves every connection of `listener` one "pong" line for the line it reads (none when the
 * client sends nothing), and records what each connection negotiated.
 */
function answerAll(listener: TLSSocket): Served[] {
  const served: Served[] = [];
  void (async () => {
    for (;;) {
      const accepted = await listener.accept().catch((error: Error) => error);
      if (accepted instanceof Error) {
        served.push({ cipher: null, version: null, resumed: undefined, error: accepted });
        return;
      }
      const [socket] = accepted;
      served.push({ cipher: socket.cipher() as number | null, version: socket.negotiatedTlsVersion, resumed: socket.sessionReused });
      void (async () => {
        try {
          if ((await recvUntil(socket, /\n/)).length > 0) await sendText(socket, 'pong\n');
        } finally {
          await socket.close(true);
        }
      })().catch(() => {});
    }
  })();
  return served;
}

describe.each([gnutls, go, python].map((peer) => [peer.name, peer] as const))('%s as a peer', (_name, peer: ForeignPeer) => {
  let server: PeerServer;
  let client: PeerClient;
  beforeAll(async () => {
    const why = peer.missing();
    if (why !== null) throw new Error(why);
    server = await peer.server(pki);
    client = await peer.client(pki);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await client?.close();
  });

  describe.each(implementations.map((i) => [i.name, i] as const))('with %s', (_implementation, implementation: TLSImplementation) => {
    it.each(named(suitesFor(peer, implementation)))(`our client, the peer's server: %s`, async (_suite, id) => {
      const context = new implementation.clientContext(clientConfig({ ciphers: [id], highestSupportedVersion: versionOf(id) }));
      const connecting = context.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' });
      if (refusedWithoutEms(implementation, peer, versionOf(id))) return void (await expect(connecting).rejects.toThrow(EMS_REFUSAL));
      const socket = await connecting;
      try {
        expect([socket.negotiatedTlsVersion, socket.cipher()]).toEqual([versionOf(id), id]);
        await sendText(socket, `ping ${implementation.name}\n`);
        expect(await recvUntil(socket, /\n/)).toContain(`ping ${implementation.name}\n`);
      } finally {
        await socket.close(true);
      }
    });

    it.each(named(suitesFor(peer, implementation)))(`the peer's client, our server: %s`, async (_suite, id) => {
      const listener = await new implementation.serverContext(serverConfig(leafFor(id), { ciphers: [id] })).connect({ host: '127.0.0.1', port: 0 });
      try {
        const served = answerAll(listener);
        const result = await client.connect({ port: listener.getsockname()!.port, version: versionOf(id) });
        if (refusedWithoutEms(implementation, peer, versionOf(id))) {
          expect(result.ok).toBe(false);
          await expect.poll(() => served[0]?.error?.message).toMatch(EMS_REFUSAL);
          return;
        }
        expect(result.error ?? '').toBe('');
        expect(result).toMatchObject({ ok: true, version: versionOf(id), suite: id, reply: 'pong' });
        expect(served.map((s) => s.cipher)).toEqual([id]);
      } finally {
        await listener.close();
      }
    });

    // Resumption is the engine's ticket and session-id handling: see FULL_PEER_FOR_OPENSSL_AEAD.
    if (!fullMatrix(peer, implementation)) return;

    it.each(['TLSv1.2', 'TLSv1.3'] as const)(`our client resumes the peer server's session over %s`, async (version) => {
      const context = new implementation.clientContext(clientConfig({ lowestSupportedVersion: version, highestSupportedVersion: version }));
      const connecting = context.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' });
      if (refusedWithoutEms(implementation, peer, version)) return void (await expect(connecting).rejects.toThrow(EMS_REFUSAL));
      const first = await connecting;
      await sendText(first, 'ping one\n');
      await recvUntil(first, /\n/); // TLS 1.3 tickets come before the answer
      const session = first.session!();
      await first.close(true);
      expect(session).not.toBeNull();
      const second = await context.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost', session });
      try {
        expect([second.negotiatedTlsVersion, second.sessionReused]).toEqual([version, true]);
        await sendText(second, 'ping two\n');
        expect(await recvUntil(second, /\n/)).toContain('ping two\n');
      } finally {
        await second.close(true);
      }
    });

    it.each(['TLSv1.2', 'TLSv1.3'] as const)(`the peer's client resumes our session over %s`, async (version) => {
      const listener = await new implementation.serverContext(serverConfig('server-ec')).connect({ host: '127.0.0.1', port: 0 });
      try {
        const served = answerAll(listener);
        const result = await client.connect({ port: listener.getsockname()!.port, version, resume: true });
        if (refusedWithoutEms(implementation, peer, version)) {
          expect(result.ok).toBe(false);
          await expect.poll(() => served[0]?.error?.message).toMatch(EMS_REFUSAL);
          return;
        }
        expect(result.error ?? '').toBe('');
        expect(result).toMatchObject({ ok: true, version, resumed: true, reply: 'pong' });
        expect(served.length).toBe(2);
        expect(served[1]!.resumed ?? true).toBe(true);
      } finally {
        await listener.close();
      }
    });
  });
});

it('covers the 15 suites of PEP 748 with the peers together', () => {
  const covered = new Set([gnutls, go, python].flatMap((p) => p.suites));
  expect([...covered].sort()).toEqual(Object.values(CipherSuite).sort());
});
