/**
 * What a TLS 1.3 connection keeps of its key schedule once the handshake is done (issue #17, memory
 * held after the handshake): only the application traffic secrets (for KeyUpdate) and, on the
 * client, the resumption master secret (tickets may come at any time). Every other secret the
 * handshake derived (the (EC)DHE/KEM shared secret, handshake and master secrets, the salts
 * between them, handshake traffic secrets, finished keys, the server's resumption master secret,
 * PSK binder keys) is overwritten with zeros as soon as nothing needs it, and the master secret is
 * no longer reachable. After a KeyUpdate the previous traffic secret is zeros too (RFC 8446 §7.2).
 *
 * Seen from outside: a provider that forwards to the real one and remembers what it returned.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { TLSBuffer } from '@unitls/tls-core';
import { nobleCryptoProvider, nodeCryptoProvider, PureClientContext, PureServerContext, type CryptoProvider, type HashAlgorithm, type KeyExchange, type PureBuffer } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pki = await testPki();

interface Output {
  /** 'extract', 'shared', or the HKDF-Expand-Label label ('c hs traffic', 'finished', ...). */
  readonly label: string;
  readonly bytes: Uint8Array | undefined;
  readonly weak: WeakRef<Uint8Array>;
}

/** `base`, remembering every HKDF output and key-exchange secret it hands out (strongly unless `weakOnly`). */
function watchingProvider(base: CryptoProvider, weakOnly = false): { provider: CryptoProvider; outputs: Output[] } {
  const outputs: Output[] = [];
  const keep = (label: string, bytes: Uint8Array) => {
    outputs.push({ label, bytes: weakOnly ? undefined : bytes, weak: new WeakRef(bytes) });
    return bytes;
  };
  const watchExchange = (exchange: KeyExchange): KeyExchange => ({
    group: exchange.group,
    publicKey: exchange.publicKey,
    agree: (peer: Uint8Array) => keep('shared', exchange.agree(peer)),
    ...(exchange.classical === undefined ? {} : { classical: watchExchange(exchange.classical) }),
  });
  const provider: CryptoProvider = {
    ...base,
    hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => keep('extract', base.hkdfExtract(algorithm, salt, ikm)),
    hkdfExpand: (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number) =>
      // HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + Label, opaque context<0..255>.
      keep(Buffer.from(info.subarray(3 + 6, 3 + info[2]!)).toString('latin1'), base.hkdfExpand(algorithm, prk, info, length)),
    keyExchange: (group: number, privateKey?: Uint8Array) => watchExchange(base.keyExchange(group, privateKey)),
    acceptKeyShare: (group: number, clientShare: Uint8Array) => {
      const accepted = base.acceptKeyShare(group, clientShare);
      return { publicKey: accepted.publicKey, sharedSecret: keep('shared', accepted.sharedSecret) };
    },
  };
  return { provider, outputs };
}

/** The two public values every schedule without a PSK starts from, per hash (never wiped: shared by all connections). */
function publicConstants(base: CryptoProvider): Set<string> {
  return new Set(
    (['sha256', 'sha384'] as const).flatMap((hash) => {
      const size = base.hash(hash, new Uint8Array(0)).length;
      const zeros = new Uint8Array(size);
      const early = base.hkdfExtract(hash, zeros, zeros);
      const info = Uint8Array.from([0, size, 13, ...Buffer.from('tls13 derived'), size, ...base.hash(hash, new Uint8Array(0))]);
      return [hex(early), hex(base.hkdfExpand(hash, early, info, size))];
    }),
  );
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const isZero = (bytes: Uint8Array) => bytes.length > 0 && bytes.every((b) => b === 0);

/** Sends `text` from one end and reads it at the other (so post-handshake messages are processed). */
function deliver(from: TLSBuffer, to: TLSBuffer, text: string): void {
  from.write(Buffer.from(text));
  pump(from, to);
  expect(Buffer.from(to.read(1024) as Uint8Array).toString()).toBe(text);
}

function connect(base: CryptoProvider, weakOnly = false) {
  const server = watchingProvider(base, weakOnly);
  const client = watchingProvider(base, weakOnly);
  const serverBuffer = new PureServerContext(serverConfiguration(pki), { provider: server.provider }).createBuffer() as PureBuffer;
  const clientBuffer = new PureClientContext(clientConfiguration(pki), { provider: client.provider }).createBuffer('localhost') as PureBuffer;
  handshake(clientBuffer, serverBuffer);
  deliver(serverBuffer, clientBuffer, 'after the ticket'); // the client has taken the server's NewSessionTicket
  deliver(clientBuffer, serverBuffer, 'hello');
  return { server, client, serverBuffer, clientBuffer };
}

// Labels whose outputs live on, per side; everything else listed here must be zeros.
const WIPED = ['extract', 'shared', 'derived', 'c hs traffic', 's hs traffic', 'finished'];
const KEPT = ['c ap traffic', 's ap traffic'];

describe.each([
  ['node:crypto', nodeCryptoProvider],
  ['@noble', nobleCryptoProvider],
] as const)('secrets held after a TLS 1.3 handshake (%s provider)', (_name, base) => {
  const constants = publicConstants(base);

  function secretsOf(outputs: Output[], labels: readonly string[]): Uint8Array[] {
    return outputs.filter((o) => labels.includes(o.label) && !constants.has(hex(o.bytes!))).map((o) => o.bytes!);
  }

  it.each(['server', 'client'] as const)('the %s wipes every handshake secret and keeps the application traffic secrets', (side) => {
    const { outputs } = connect(base)[side];
    const wiped = secretsOf(outputs, side === 'server' ? [...WIPED, 'res master'] : WIPED);
    // the shared secret, the handshake and master secrets, the salt between them, 2 handshake
    // traffic secrets, 2 finished keys (+ the server's resumption master secret)
    expect(wiped).toHaveLength(side === 'server' ? 9 : 8);
    expect(wiped.filter((bytes) => !isZero(bytes)).map((bytes) => hex(bytes))).toEqual([]);
    const kept = secretsOf(outputs, side === 'client' ? [...KEPT, 'res master'] : KEPT);
    expect(kept).toHaveLength(side === 'client' ? 3 : 2);
    expect(kept.filter(isZero)).toEqual([]);
  });

  it('KeyUpdate wipes the traffic secrets it replaces, both ways, and the connection still works', () => {
    const { server, client, serverBuffer, clientBuffer } = connect(base);
    clientBuffer.keyUpdate(true); // the server answers with its own KeyUpdate
    deliver(clientBuffer, serverBuffer, 'after the client update');
    deliver(serverBuffer, clientBuffer, 'after the server update');
    for (const { outputs } of [server, client]) {
      expect(secretsOf(outputs, KEPT).filter((bytes) => !isZero(bytes))).toEqual([]);
      const updated = secretsOf(outputs, ['traffic upd']);
      expect(updated).toHaveLength(2);
      expect(updated.filter(isZero)).toEqual([]);
    }
  });

  it('the master secret is not reachable from a connection once the handshake is done', async () => {
    const { server, client, serverBuffer, clientBuffer } = connect(base, true);
    // The last Extract of a full handshake is the master secret.
    const masters = [server, client].map(({ outputs }) => outputs.filter((o) => o.label === 'extract').at(-1)!.weak);
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets stay alive until the job ends
    gc();
    expect(masters.map((weak) => weak.deref())).toEqual([undefined, undefined]);
    deliver(clientBuffer, serverBuffer, 'still connected'); // both buffers were alive all along
  });
});
