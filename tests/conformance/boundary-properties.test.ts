/**
 * Random input at the boundary, on every implementation (issue #14, "Done means"):
 * - random server names are refused with a ConfigurationError exactly when tls-core's
 *   parseServerName refuses them (one check, in one place), on connect and createBuffer; the others
 *   connect or fail the handshake with a TLSError;
 * - random configuration values are refused with a ConfigurationError (at construction, by
 *   validateConfig or by the context) or accepted, and an accepted client configuration connects
 *   or fails with a TLSError;
 * - random TLSBuffer call sequences, huge writes and garbage input included, raise only typed
 *   errors and keep each buffer under the implementation's named limits (tls-openssl's
 *   OUTGOING_BUFFER_LIMIT / INCOMING_BUFFER_LIMIT, tls-pure's DEFAULT_LIMITS); a huge write takes
 *   part of its input and WantWriteError follows while nothing is drained (PEP 748's write);
 *   tls-node has no TLSBuffer and refuses createBuffer with a ConfigurationError. (These replace
 *   buffer-limits.test.ts, which checked the same with looser, unnamed bounds.)
 * Nothing crashes: a process listener records every uncaught exception and unhandled rejection
 * (an event handler that throws, a promise nobody awaits), and each test ends by asserting there
 * were none.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@unitls/tls-pure';
import { INCOMING_BUFFER_LIMIT, OUTGOING_BUFFER_LIMIT } from '@unitls/tls-openssl';
import {
  Certificate,
  CipherSuite,
  ConfigurationError,
  NextProtocol,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSError,
  TLSServerConfiguration,
  TLSVersion,
  TrustStore,
  WantReadError,
  WantWriteError,
  parseServerName,
  type TLSBuffer,
  type TLSImplementation,
  type TLSSocket,
} from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

/** Names that look like names, with a damaged character here and there, and any string at all. */
const serverNames = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc
    .tuple(fc.constantFrom('localhost', 'LOCALHOST.', '127.0.0.1', 'bücher.test', 'a..b'), fc.nat({ max: 12 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))
    .map(([name, at, inserted]) => name.slice(0, at) + inserted + name.slice(at)),
  fc.constantFrom('localhost\0.attacker.example', `${'a'.repeat(64)}.test`, '', '.', '[::1]', '127.1', '::1', 'localhost', 'LocalHost.', 'localhost..'),
);

/** Every uncaught exception and unhandled rejection while this file runs. */
const uncaught: unknown[] = [];
const record = (error: unknown) => uncaught.push(error);
beforeAll(() => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
afterAll(() => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});
afterEach(async () => {
  // One turn of the event loop, so errors thrown from handlers of events already queued are seen.
  await new Promise((resolve) => setImmediate(resolve));
  expect(uncaught.splice(0)).toEqual([]);
});

/** Whether tls-core's one check refuses `name` (with a ConfigurationError, nothing else). */
function refusedByCore(name: string): boolean {
  try {
    parseServerName(name, 'serverHostname');
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return true;
  }
}

/** A typed outcome: refused as configuration, refused by TLS, or nothing wrong. */
function expectTyped(outcome: unknown): void {
  if (outcome === undefined) return;
  expect(outcome, `untyped: ${String(outcome)}`).toBeInstanceOf(TLSError);
}

const values = fc.anything({ maxDepth: 2 });
const ciphers = fc.oneof(
  fc.constant(null),
  fc.array(fc.oneof(fc.constantFrom(...Object.values(CipherSuite)), fc.integer({ min: -2, max: 0x10001 }), values), { maxLength: 5 }),
  values,
);
const protocols = fc.oneof(
  fc.constant(null),
  fc.array(fc.oneof(fc.constantFrom(...Object.values(NextProtocol)), fc.uint8Array({ maxLength: 300 }), values), { maxLength: 4 }),
  values,
);
const versions = fc.oneof(fc.constantFrom(...Object.values(TLSVersion), 'TLSv1.1', 'SSLv3', null, undefined), values);
const material = (what: 'cert' | 'key' | 'anchors') =>
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'buffer' as const, bytes })),
    fc.constantFrom(
      { kind: 'file' as const, path: what === 'key' ? pki.path('server-ec', 'key') : pki.path(what === 'anchors' ? 'root' : 'server-ec') },
      { kind: 'file' as const, path: '' },
      { kind: 'file' as const, path: '/nonexistent/unitls' },
      { kind: 'id' as const, id: 'hsm:1' },
      { kind: 'id' as const, id: '' },
    ),
  );
const trustStores = fc.oneof(
  fc.constant(null),
  fc.constant('system'),
  material('anchors'),
  values,
);
const chains = fc.oneof(fc.constant(null), fc.tuple(material('cert'), fc.option(material('key')), fc.array(material('cert'), { maxLength: 2 })), values);

type Material = { kind: 'buffer'; bytes: Uint8Array } | { kind: 'file'; path: string } | { kind: 'id'; id: string };
function descriptor<T>(kind: { fromBuffer(b: Uint8Array): T; fromFile(p: string): T; fromId(i: string): T }, m: Material): T {
  return m.kind === 'buffer' ? kind.fromBuffer(m.bytes) : m.kind === 'file' ? kind.fromFile(m.path) : kind.fromId(m.id);
}
function isMaterial(value: unknown): value is Material {
  return typeof value === 'object' && value !== null && 'kind' in value && ['buffer', 'file', 'id'].includes((value as Material).kind);
}
function trustStore(value: unknown): unknown {
  if (value === 'system') return TrustStore.system();
  return isMaterial(value) ? descriptor(TrustStore, value) : value;
}
function chain(value: unknown): unknown {
  if (!Array.isArray(value) || value.length !== 3 || !isMaterial(value[0])) return value;
  const [leaf, key, rest] = value as [Material, Material | null, Material[]];
  return new SigningChain([descriptor(Certificate, leaf), key === null ? null : descriptor(PrivateKey, key)], rest.map((m) => descriptor(Certificate, m)));
}

const options = fc.record(
  { ciphers, innerProtocols: protocols, lowestSupportedVersion: versions, highestSupportedVersion: versions, trustStore: trustStores, certificateChain: chains },
  { requiredKeys: [] },
);

/** Runs `step`; returns its error, or undefined when it succeeded. */
function attempt(step: () => unknown): unknown {
  try {
    step();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('random input at the boundary (%s)', (_, implementation) => {
  let listener: TLSSocket;
  let port: number;
  const accepted: TLSSocket[] = [];
  let accepting = true;

  beforeAll(async () => {
    listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
    port = listener.getsockname()!.port;
    const loop = async () => {
      while (accepting) {
        const outcome = await listener.accept().then(([socket]) => socket, () => null);
        if (outcome !== null) accepted.push(outcome);
      }
    };
    void loop();
  });
  afterAll(async () => {
    accepting = false;
    await listener.close();
    await Promise.all(accepted.map((socket) => socket.close(true)));
  });

  it('random server names: a ConfigurationError exactly when tls-core refuses the name; otherwise a connection or a TLSError', async () => {
    const context = new implementation.clientContext(clientConfig());
    await fc.assert(
      fc.asyncProperty(serverNames, async (name) => {
        const refused = refusedByCore(name);
        const outcome = await context.connect({ host: '127.0.0.1', port }, { serverHostname: name }).then(
          async (socket) => {
            await socket.close(true);
            return undefined;
          },
          (error: unknown) => error,
        );
        expectTyped(outcome);
        expect(outcome instanceof ConfigurationError, `connect(${JSON.stringify(name)}): ${String(outcome)}`).toBe(refused);
        let buffer: TLSBuffer | undefined;
        const built = attempt(() => {
          buffer = context.createBuffer(name);
        });
        if (!implementation.features.buffer) {
          expect(built).toBeInstanceOf(ConfigurationError);
          return;
        }
        expect(built instanceof ConfigurationError, `createBuffer(${JSON.stringify(name)}): ${String(built)}`).toBe(refused);
        if (!refused) {
          expect(built).toBeUndefined();
          expect(() => buffer!.doHandshake()).toThrow(WantReadError);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('random configuration values: refused with a ConfigurationError at construction, by validateConfig or by the context, or accepted', () => {
    fc.assert(
      fc.property(options, fc.boolean(), (raw, server) => {
        const given = { ...raw, trustStore: trustStore(raw.trustStore), certificateChain: server ? [chain(raw.certificateChain)] : chain(raw.certificateChain) };
        let configuration: TLSClientConfiguration | TLSServerConfiguration | undefined;
        const built = attempt(() => {
          configuration = server ? new TLSServerConfiguration(given as never) : new TLSClientConfiguration(given as never);
        });
        if (configuration === undefined) {
          expect(built).toBeInstanceOf(ConfigurationError);
          return;
        }
        const validated = attempt(() => implementation.validateConfig(configuration!));
        if (validated !== undefined) expect(validated).toBeInstanceOf(ConfigurationError);
        const Context = (server ? implementation.serverContext : implementation.clientContext) as new (c: typeof configuration) => unknown;
        const made = attempt(() => new Context(configuration));
        if (made !== undefined) expect(made).toBeInstanceOf(ConfigurationError);
        // What validateConfig refuses, the context refuses too.
        if (validated !== undefined) expect(made).toBeInstanceOf(ConfigurationError);
      }),
      { numRuns: 200 },
    );
  });

  it('random client configuration values that are accepted connect, or fail the handshake with a TLSError', async () => {
    await fc.assert(
      fc.asyncProperty(options, async (raw) => {
        const given = { ...raw, trustStore: trustStore(raw.trustStore), certificateChain: chain(raw.certificateChain) };
        let context: InstanceType<TLSImplementation['clientContext']> | undefined;
        const made = attempt(() => {
          context = new implementation.clientContext(new TLSClientConfiguration(given as never));
        });
        if (context === undefined) {
          expect(made).toBeInstanceOf(ConfigurationError);
          return;
        }
        const outcome = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }).then(
          async (socket) => {
            await socket.close(true);
            return undefined;
          },
          (error: unknown) => error,
        );
        expectTyped(outcome);
      }),
      { numRuns: 30 },
    );
  });
});

/**
 * The named limits of each implementation with a TLSBuffer: what write may leave waiting for
 * processOutgoing, what processIncoming may hold. An implementation with buffers that is not
 * listed here fails the test below: name your limits.
 */
const NAMED_LIMITS: Record<string, { outgoing: number; incoming: number }> = {
  openssl: { outgoing: OUTGOING_BUFFER_LIMIT, incoming: INCOMING_BUFFER_LIMIT },
  pure: { outgoing: DEFAULT_LIMITS.maxOutgoingBytes, incoming: DEFAULT_LIMITS.maxIncomingBytes },
  'pure-noble': { outgoing: DEFAULT_LIMITS.maxOutgoingBytes, incoming: DEFAULT_LIMITS.maxIncomingBytes },
  'pure-opensslaead': { outgoing: DEFAULT_LIMITS.maxOutgoingBytes, incoming: DEFAULT_LIMITS.maxIncomingBytes },
};

/**
 * What the outgoing buffer may hold past its limit: write takes plaintext up to the room left, and
 * its records add their framing (at most 29 bytes per 16 KiB record: a TLS 1.2 AES-GCM header,
 * explicit nonce and tag; 22 in TLS 1.3), plus a handful of small records written whatever the
 * room (an alert, close_notify, a KeyUpdate answer).
 */
const framing = (limit: number) => Math.ceil(limit / 16384) * 29 + 256;

/** One zero-filled block that huge writes and feeds take views of (allocated once). */
const HUGE = new Uint8Array(48 * 1024 * 1024);

const step = fc.oneof(
  fc.constant({ op: 'handshake' as const }),
  fc.constant({ op: 'shutdown' as const }),
  fc.constant({ op: 'pump' as const }),
  fc.constant({ op: 'pump' as const }),
  fc.constant({ op: 'eof' as const }),
  fc.record({ op: fc.constant('read' as const), n: fc.oneof(fc.integer({ min: 1, max: 1 << 20 }), fc.constantFrom(0, -1, 2 ** 32, NaN)) }),
  fc.record({ op: fc.constant('write' as const), n: fc.integer({ min: 0, max: 70_000 }) }),
  fc.record({ op: fc.constant('write' as const), n: fc.constantFrom(1 << 20, 8 << 20, 48 << 20) }),
  fc.record({ op: fc.constant('drain' as const), n: fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.constantFrom(2 ** 32, Infinity, -1, NaN, 0.5)) }),
  fc.record({ op: fc.constant('feed' as const), n: fc.constantFrom(1, 100, 1 << 20, 5 << 20) }),
  fc.record({ op: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
);

/** Moves what `from` has for the network to `to` (a WantReadError from a full peer is a valid answer). */
function pump(from: TLSBuffer, to: TLSBuffer): void {
  const n = from.outgoingBytesBuffered();
  if (n === 0) return;
  try {
    to.processIncoming(from.processOutgoing(Math.min(n, 1 << 20)));
  } catch (error) {
    if (!(error instanceof TLSError)) throw error;
  }
}

/** Runs both handshakes in memory until both sides have negotiated (or 10 rounds passed). */
function handshake(client: TLSBuffer, server: TLSBuffer): void {
  for (let round = 0; round < 10 && (client.negotiatedTlsVersion === null || server.negotiatedTlsVersion === null); round++) {
    for (const side of [client, server]) {
      try {
        side.doHandshake();
      } catch (error) {
        if (!(error instanceof WantReadError)) throw error;
      }
    }
    pump(client, server);
    pump(server, client);
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('random TLSBuffer call sequences (%s)', (name, implementation) => {
  if (!implementation.features.buffer) {
    it('has no TLSBuffer: createBuffer is refused with a ConfigurationError', () => {
      expect(() => new implementation.clientContext(clientConfig()).createBuffer('localhost')).toThrow(ConfigurationError);
      expect(() => new implementation.serverContext(serverConfig()).createBuffer()).toThrow(ConfigurationError);
    });
    return;
  }

  it('raise only typed errors and keep both buffers under the named limits, huge writes included', () => {
    const limits = NAMED_LIMITS[name];
    expect(limits, `${name} has TLSBuffers but no named limits in this test`).toBeDefined();
    const { outgoing, incoming } = limits!;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), fc.boolean(), fc.constantFrom(TLSVersion.TLSv1_2, TLSVersion.TLSv1_3), fc.boolean(), (sequence, onClient, version, established) => {
        const client = new implementation.clientContext(clientConfig({ highestSupportedVersion: version })).createBuffer('localhost');
        const server = new implementation.serverContext(serverConfig()).createBuffer();
        // Half the runs start from an established connection, where writes are taken.
        if (established) {
          handshake(client, server);
          expect(client.negotiatedTlsVersion).toBe(version);
        }
        const [target, peer] = onClient ? [client, server] : [server, client];
        for (const action of sequence) {
          try {
            switch (action.op) {
              case 'handshake':
                target.doHandshake();
                break;
              case 'shutdown':
                target.shutdown();
                break;
              case 'pump':
                pump(client, server);
                pump(server, client);
                break;
              case 'eof':
                target.processIncoming(new Uint8Array(0));
                break;
              case 'read':
                target.read(action.n);
                break;
              case 'write': {
                const taken = target.write(HUGE.subarray(0, action.n));
                expect(taken).toBeGreaterThanOrEqual(0);
                expect(taken).toBeLessThanOrEqual(action.n);
                break;
              }
              case 'drain':
                expect(target.processOutgoing(action.n).length).toBeLessThanOrEqual(action.n);
                break;
              case 'feed':
                peer.processIncoming(HUGE.subarray(0, action.n));
                break;
              case 'garbage':
                target.processIncoming(action.bytes);
                break;
            }
          } catch (error) {
            // Bad arguments (a negative or fractional amount) are a RangeError, as the PEP's own
            // ValueError; everything else a TLSError (WantRead/WantWrite included).
            if (!(error instanceof TLSError) && !(error instanceof RangeError)) throw error;
          }
          for (const buffer of [client, server]) {
            expect(buffer.outgoingBytesBuffered()).toBeLessThanOrEqual(outgoing + framing(outgoing));
            expect(buffer.incomingBytesBuffered()).toBeLessThanOrEqual(incoming);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a write into a full outgoing buffer raises WantWriteError and takes nothing', () => {
    const { outgoing } = NAMED_LIMITS[name]!;
    const client = new implementation.clientContext(clientConfig()).createBuffer('localhost');
    const server = new implementation.serverContext(serverConfig()).createBuffer();
    handshake(client, server);
    let total = 0;
    let refused: unknown;
    while (refused === undefined) {
      try {
        total += client.write(HUGE.subarray(0, 48 << 20));
      } catch (error) {
        refused = error;
      }
      expect(client.outgoingBytesBuffered()).toBeLessThanOrEqual(outgoing + framing(outgoing));
    }
    expect(refused).toBeInstanceOf(WantWriteError);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(outgoing);
  });
});
