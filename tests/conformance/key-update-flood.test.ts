/**
 * A peer that floods KeyUpdates (RFC 8446 §4.6.3) with no data between them: each costs a key
 * derivation (and, with update_requested, a reply), and the RFC leaves the bound to the
 * implementation. Every implementation must refuse a long run with a typed error and an
 * unexpected_message alert while a short run, and KeyUpdates with data between them, keep the
 * connection working. The bound is the same everywhere: 32 records of post-handshake handshake
 * messages in a row are taken, the 33rd ends the connection (tls-pure: maxEmptyRecords; tls-openssl:
 * MAX_IDLE_HANDSHAKE_MESSAGES, counted in the addon, as OpenSSL 3.0 itself sets no bound: 20 000 in
 * a row were taken before). The unit is the record on both (session 11: tls-openssl counted
 * messages, so 40 tickets packed in one record ended its connection and not tls-pure's). The
 * flooding peer of the buffer cases is tls-pure's, the only one whose TLSBuffer can send a KeyUpdate
 * on demand; the record cases below write raw records (tests/support/tls13-records.ts), TLS 1.3 and
 * TLS 1.2, against every implementation.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RENEGOTIATION_REFUSED, RaggedEOF, TLSError, WantReadError, type TLSBuffer, type TLSImplementation } from '@unitls/tls-core';
import { implementation as pure, type PureBuffer } from '@unitls/tls-pure';
import { handshake, pump } from '../support/buffer-pair.js';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';
import { CONTENT, facingInjector, readToEnd, useTls13Injector, type InjectedRecord, type Injector } from '../support/tls13-records.js';

const withBuffers = implementations.filter((i) => i.features.buffer);
const text = (s: string) => new TextEncoder().encode(s);
/** The bound every implementation applies: this many in a row are taken, one more ends the connection. */
const BOUND = 32;

/** Reads what the client has, or the error it raises; WantRead means it took the records quietly. */
function readOrError(client: TLSBuffer): string | Error {
  try {
    return new TextDecoder().decode(client.read(1 << 16) as Uint8Array);
  } catch (error) {
    return error as Error;
  }
}

describe.each(withBuffers.map((i) => [i.name, i] as const))('a KeyUpdate flood from the server (%s client)', (_, implementation) => {
  const pair = () => {
    const client = new implementation.clientContext(clientConfig({ lowestSupportedVersion: 'TLSv1.3' })).createBuffer('localhost');
    const server = new pure.serverContext(serverConfig('server-ec')).createBuffer() as PureBuffer;
    handshake(client, server);
    pump(server, client); // the server's tickets
    return { client, server };
  };

  it.each([false, true])('refuses 200 KeyUpdates in a row (update_requested %s) with unexpected_message', (requested) => {
    const { client, server } = pair();
    for (let i = 0; i < 200; i++) server.keyUpdate(requested);
    server.write(text('late'));
    pump(server, client);
    const result = readOrError(client);
    expect(result).toBeInstanceOf(TLSError);
    expect(result).not.toBeInstanceOf(WantReadError);
    expect(String((result as Error).message)).toMatch(/more than 32 .*in a row with no (application )?data/);
    // The client answered at most once per KeyUpdate it took, and alerted: a few KiB, not 200 replies.
    expect(client.outgoingBytesBuffered()).toBeLessThan(40 * 30);
    // The server sees a fatal alert (unexpected_message, 10) rather than the client's silence. (A
    // client that answers every request, as OpenSSL does, sends 33 KeyUpdates first, and the tls-pure
    // server's own bound ends it at the 33rd, before the alert: the peer's alert itself is asserted
    // where no request is made.)
    client.outgoingBytesBuffered() > 0 && pump(client, server);
    const seen = readOrError(server);
    expect(seen).toBeInstanceOf(TLSError);
    expect(String((seen as Error).message)).toMatch(/unexpected.message/i);
    if (!requested) expect((seen as TLSError).code).toBe('UNITLS_PURE_PEER_ALERT');
  });

  it(`takes ${BOUND} KeyUpdates in a row and the data after them; the ${BOUND + 1}rd in a row ends the connection`, () => {
    const { client, server } = pair();
    server.write(text('first')); // data after the tickets: the run starts at the first KeyUpdate
    pump(server, client);
    expect(readOrError(client)).toBe('first');
    for (let i = 0; i < BOUND; i++) server.keyUpdate(false);
    server.write(text('after 32'));
    pump(server, client);
    expect(readOrError(client)).toBe('after 32');
    for (let i = 0; i < BOUND + 1; i++) server.keyUpdate(false);
    server.write(text('after 33'));
    pump(server, client);
    expect(readOrError(client)).toBeInstanceOf(TLSError);
    // The failure is for good: the next read says the same.
    expect(String((readOrError(client) as Error).message)).toMatch(/more than 32/);
  });

  it('returns the data read before a flood; the flood is the next read\'s error (readAvailable: every record at once)', () => {
    const { client, server } = pair();
    const fast = client as TLSBuffer & { readAvailable?: (target: Uint8Array) => number };
    expect(typeof fast.readAvailable).toBe('function');
    server.write(text('before'));
    for (let i = 0; i < 200; i++) server.keyUpdate(false);
    server.write(text('late'));
    pump(server, client);
    const target = new Uint8Array(1 << 16);
    const n = fast.readAvailable!(target);
    expect(new TextDecoder().decode(target.subarray(0, n))).toBe('before');
    expect(() => fast.readAvailable!(target)).toThrow(/more than 32/);
  });

  it('takes a few KeyUpdates in a row, and any number with data between them', () => {
    const { client, server } = pair();
    for (let i = 0; i < 8; i++) server.keyUpdate(true);
    server.write(text('after 8'));
    pump(server, client);
    expect(readOrError(client)).toBe('after 8');
    for (let i = 0; i < 100; i++) {
      server.keyUpdate(false);
      server.write(text(`m${i};`));
    }
    pump(server, client);
    let got = '';
    for (let r = readOrError(client); typeof r === 'string'; r = readOrError(client)) got += r;
    expect(got).toBe(Array.from({ length: 100 }, (_, i) => `m${i};`).join(''));
    pump(client, server); // the client's KeyUpdate answers still reach a working server
    client.write(text('still here'));
    pump(client, server);
    expect(readOrError(server)).toBe('still here');
  });
});

describe.each(withBuffers.map((i) => [i.name, i] as const))('a KeyUpdate flood from the client (%s server)', (_, implementation) => {
  it('refuses 200 KeyUpdates in a row with unexpected_message, and the client receives that alert', () => {
    const client = new pure.clientContext(clientConfig({ lowestSupportedVersion: 'TLSv1.3' })).createBuffer('localhost') as PureBuffer;
    const server = new implementation.serverContext(serverConfig('server-ec')).createBuffer();
    handshake(client, server);
    pump(server, client); // the tickets
    for (let i = 0; i < 200; i++) client.keyUpdate(false);
    client.write(text('late'));
    pump(client, server);
    const result = readOrError(server);
    expect(result).toBeInstanceOf(TLSError);
    expect(String((result as Error).message)).toMatch(/more than 32 .*in a row with no (application )?data/);
    pump(server, client);
    const seen = readOrError(client);
    expect((seen as TLSError).code).toBe('UNITLS_PURE_PEER_ALERT');
    expect(String((seen as Error).message)).toMatch(/unexpected.message/i);
  });
});

describe.each(withBuffers.map((i) => [i.name, i] as const))('KeyUpdate requests in a row from a tls-pure client (%s server)', (_, implementation) => {
  /** The client asks `count` times with no data between, then each side sends a message; what each read. */
  const exchange = (count: number) => {
    const client = new pure.clientContext(clientConfig({ lowestSupportedVersion: 'TLSv1.3' })).createBuffer('localhost') as PureBuffer;
    const server = new implementation.serverContext(serverConfig('server-ec')).createBuffer();
    handshake(client, server);
    pump(server, client); // the tickets: 2 post-handshake messages the client has not read yet
    for (let i = 0; i < count; i++) client.keyUpdate(true);
    client.write(text('from client'));
    pump(client, server);
    const serverRead = readOrError(server);
    if (typeof serverRead === 'string') server.write(text('from server'));
    pump(server, client);
    return { serverRead, clientRead: readOrError(client) };
  };

  // OpenSSL answers every request (tls-pure answers those received while silent once): the answers
  // to our own requests must not count against the client's bound, or 31 requests after the 2
  // tickets ended the client's connection with an OpenSSL server and not with a tls-pure one.
  it(`${BOUND} requests: both sides keep working, whichever way the server answers them`, () => {
    expect(exchange(BOUND)).toEqual({ serverRead: 'from client', clientRead: 'from server' });
  });

  it(`${BOUND + 1} requests: the server refuses the ${BOUND + 1}rd, as any run of post-handshake messages`, () => {
    const { serverRead, clientRead } = exchange(BOUND + 1);
    expect(String((serverRead as Error).message)).toMatch(/more than 32 .*in a row with no (application )?data/);
    expect(String((clientRead as Error).message)).toMatch(/unexpected.message/i);
  });
});

// ---- The unit is the record: raw records on live connections (tests/support/tls13-records.ts) ----

const start = useTls13Injector();
const handshakeMessage = (type: number, body: Uint8Array) => Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);
/** A well-formed NewSessionTicket (RFC 8446 §4.6.1): lifetime, age_add, a 1-byte nonce, a 1-byte ticket, no extensions. */
const ticket = (i: number) => handshakeMessage(4, Buffer.from([0, 0, 0, 60, 0, 0, 0, i & 0xff, 1, i & 0xff, 0, 1, 0xaa, 0, 0]));
const handshakeRecord = (...messages: Buffer[]): InjectedRecord => ({ type: CONTENT.handshake, content: Buffer.concat(messages) });
const DATA: InjectedRecord = { type: CONTENT.applicationData, content: Buffer.from('data') };
/** The alert descriptions (RFC 8446 §6, RFC 5246 §7.2) a flood is answered with. */
const UNEXPECTED_MESSAGE = 10;
const INTERNAL_ERROR = 80;
const NO_RENEGOTIATION = 100;

/**
 * The deviation of tls-node (not a TLSBuffer; node:tls gives no hook into the records it reads): it
 * takes any number of post-handshake records in a row, so each case pins that it delivers the data.
 */
describe.each(implementations.map((i) => [i.name, i] as const))('post-handshake records in a row, counted by record (%s client)', (name, implementation) => {
  it('40 NewSessionTickets packed in one record, then data: one record, the data is delivered (review 10: tls-openssl counted 40 messages and ended)', async () => {
    await facingInjector(start, implementation, 'client', async (socket, injector) => {
      injector.inject([handshakeRecord(...Array.from({ length: 40 }, (_, i) => ticket(i))), DATA], { end: true });
      const { text, end } = await readToEnd(socket);
      expect(text).toBe('data');
      expect(end, String(end)).toBeInstanceOf(RaggedEOF);
    });
  });

  it(`${BOUND} NewSessionTicket records (2 tickets in each), then data: delivered`, async () => {
    await facingInjector(start, implementation, 'client', async (socket, injector) => {
      injector.inject([...Array.from({ length: BOUND }, (_, i) => handshakeRecord(ticket(2 * i), ticket(2 * i + 1))), DATA], { end: true });
      const { text, end } = await readToEnd(socket);
      expect(text, String(end)).toBe('data');
      expect(end, String(end)).toBeInstanceOf(RaggedEOF);
    });
  });

  it(`${BOUND + 1} NewSessionTicket records, then data: the ${BOUND + 1}rd ends the connection with unexpected_message (tls-node: delivered)`, async () => {
    await facingInjector(start, implementation, 'client', async (socket, injector) => {
      injector.inject([...Array.from({ length: BOUND + 1 }, (_, i) => handshakeRecord(ticket(i))), DATA], { end: true });
      const { text, end } = await readToEnd(socket);
      if (name === 'node') {
        expect({ text, end }).toEqual({ text: 'data', end: expect.any(RaggedEOF) });
        return;
      }
      expect(text).toBe('');
      expect(end, String(end)).toBeInstanceOf(TLSError);
      expect(String(end)).toMatch(/more than 32 .*in a row with no (application )?data/);
      expect((await injector.fatalAlert())?.content).toEqual(Buffer.from([2, UNEXPECTED_MESSAGE]));
    });
  });
});

/**
 * TLS 1.2 has no KeyUpdate, but a peer can still send handshake records without end: HelloRequests
 * to a client (each answered with a no_renegotiation warning, RFC 5246 §7.4.1.1), renegotiation
 * ClientHellos to a server (the same answer). The same bound applies; the alert that ends the
 * connection differs: tls-pure sends unexpected_message, tls-openssl internal_error (OpenSSL has no
 * call to send an alert of our choosing: it answers the record the addon puts in place of the peer's
 * input with internal_error under TLS 1.2). tls-node: a client answers every HelloRequest (no hook
 * in node:tls); a server ends the connection at the 4th ClientHello, node:tls's own limit on
 * renegotiations (tls.CLIENT_RENEG_LIMIT, ERR_TLS_SESSION_ATTACK: RENEGOTIATION_REFUSED).
 */
describe.each(implementations.map((i) => [i.name, i] as const))('a TLS 1.2 flood of handshake records (%s)', (name, implementation) => {
  const alertFor = name === 'openssl' ? INTERNAL_ERROR : UNEXPECTED_MESSAGE;
  const cases = [
    ['client', 'HelloRequest', () => handshakeMessage(0, Buffer.alloc(0))],
    ['server', 'ClientHello', () => handshakeMessage(1, Buffer.from([3, 3, ...Buffer.alloc(32), 0, 0, 2, 0xc0, 0x2b, 1, 0]))],
  ] as const;

  describe.each(cases)('as %s: %s records', (side, _, message) => {
    const nodeServer = name === 'node' && side === 'server';
    /** What a tls-node server does with either run: its own renegotiation limit ends the connection. */
    const expectNodeLimit = ({ text, end }: { text: string; end: unknown }) => {
      expect(text).toBe('');
      expect(end, String(end)).toBeInstanceOf(TLSError);
      expect((end as TLSError).message).toBe(RENEGOTIATION_REFUSED);
    };

    it(`${BOUND} in a row, then data: delivered${nodeServer ? ' (tls-node: refused at the 4th)' : ''}`, async () => {
      await facingInjector(start, implementation, side, async (socket, injector) => {
        injector.inject([...Array.from({ length: BOUND }, () => handshakeRecord(message())), DATA], { end: true });
        const { text, end } = await readToEnd(socket);
        if (nodeServer) return expectNodeLimit({ text, end });
        expect(text, String(end)).toBe('data');
      }, 'TLSv1.2');
    });

    it(`${BOUND + 1} in a row, then data: a TLSError naming the flood, the alert ${name === 'openssl' ? 'internal_error' : 'unexpected_message'} (tls-node: ${nodeServer ? 'refused at the 4th' : 'delivered'})`, async () => {
      await facingInjector(start, implementation, side, async (socket, injector) => {
        injector.inject([...Array.from({ length: BOUND + 1 }, () => handshakeRecord(message())), DATA], { end: true });
        const { text, end } = await readToEnd(socket);
        if (nodeServer) return expectNodeLimit({ text, end });
        if (name === 'node') {
          expect(text, String(end)).toBe('data');
          return;
        }
        expect(text).toBe('');
        expect(end, String(end)).toBeInstanceOf(TLSError);
        expect(String(end)).toMatch(/more than 32 .*in a row with no (application )?data/);
        expect((await injector.fatalAlert())?.content).toEqual(Buffer.from([2, alertFor]));
      }, 'TLSv1.2');
    });
  });

  // tls-openssl sees a TLS 1.2 record's type in its header, before OpenSSL reads its body: the
  // refusal must go after that body, also when the body has not all arrived yet.
  it(`as client: the ${BOUND + 1}rd HelloRequest record cut inside its body, the rest (and data) sent once the ${BOUND} before it were answered: the same end`, async () => {
    await facingInjector(start, implementation, 'client', async (socket, injector) => {
      const records = [...Array.from({ length: BOUND + 1 }, () => handshakeRecord(handshakeMessage(0, Buffer.alloc(0)))), DATA];
      const sealed = injector.seal(records);
      const recordSize = 5 + 8 + 4 + 16; // header, explicit nonce, HelloRequest, tag
      const cut = BOUND * recordSize + 5 + 6;
      const reading = readToEnd(socket);
      injector.write(sealed.subarray(0, cut));
      const answered = (received: readonly { type: number; content: Buffer }[]) => received.filter((r) => r.type === CONTENT.alert && r.content[1] === NO_RENEGOTIATION).length >= BOUND;
      expect(await injector.until(answered)).toBe(true);
      injector.write(sealed.subarray(cut), { end: true });
      const { text, end } = await reading;
      if (name === 'node') {
        expect(text, String(end)).toBe('data');
        return;
      }
      expect(text).toBe('');
      expect(String(end)).toMatch(/more than 32 .*in a row with no (application )?data/);
      expect((await injector.fatalAlert())?.content).toEqual(Buffer.from([2, alertFor]));
    }, 'TLSv1.2');
  });
});

/**
 * A TLSBuffer driven over TCP by hand against the injector's node:tls server: the test decides what
 * each processIncoming call gets and when read runs.
 */
async function bufferFacingInjector(implementation: TLSImplementation, injector: Injector): Promise<{ buffer: TLSBuffer; flush: () => void; close: () => void }> {
  const versions = { lowestSupportedVersion: 'TLSv1.2', highestSupportedVersion: 'TLSv1.2' } as const;
  const buffer = implementation.clientContext === undefined ? null : new implementation.clientContext(clientConfig(versions)).createBuffer('localhost');
  if (buffer === null) throw new Error('no client context');
  const tcp = net.connect(injector.port, '127.0.0.1');
  tcp.on('error', () => {});
  const arrived: Buffer[] = [];
  let wake: (() => void) | null = null;
  tcp.on('data', (chunk: Buffer) => {
    arrived.push(chunk);
    wake?.();
  });
  const flush = () => {
    const n = buffer.outgoingBytesBuffered();
    if (n > 0) tcp.write(buffer.processOutgoing(n));
  };
  /** Runs `action` until it stops wanting input, feeding what TCP brings in between. */
  const until = async <T>(action: () => T): Promise<T> => {
    for (;;) {
      try {
        const result = action();
        flush();
        return result;
      } catch (error) {
        flush();
        if (!(error instanceof WantReadError)) throw error;
      }
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      buffer.processIncoming(Buffer.concat(arrived.splice(0)));
    }
  };
  const text = async () => new TextDecoder().decode((await until(() => buffer.read(100))) as Uint8Array);
  await until(() => buffer.doHandshake());
  // What the node:tls server sends on its own after the handshake is read first (as facingInjector's settled()).
  expect(await text()).toBe('A');
  (await injector.peer).write('B');
  expect(await text()).toBe('B');
  return { buffer, flush, close: () => tcp.end() };
}

describe.each(withBuffers.map((i) => [i.name, i] as const))('a TLS 1.2 flood fed in pieces before a read (%s client buffer)', (name, implementation) => {
  // tls-openssl under TLS 1.2 sees the record that passes the bound at its header, with part of its
  // body still to come, and keeps that many bytes of later input before its refusal record. Review
  // 11: two feeds before OpenSSL read counted the first one twice, so the refusal landed inside the
  // flooding record's body: the flood error stood, but OpenSSL never reached the refusal to answer it.
  it(`the ${BOUND + 1}rd HelloRequest record cut inside its body, the rest fed in two processIncoming calls, then one read: the flood error and its alert`, async () => {
    const injector = await start('server', undefined, 'TLSv1.2');
    const { buffer, flush, close } = await bufferFacingInjector(implementation, injector);
    try {
      const sealed = injector.seal([...Array.from({ length: BOUND + 1 }, () => handshakeRecord(handshakeMessage(0, Buffer.alloc(0)))), DATA]);
      const recordSize = 5 + 8 + 4 + 16; // header, explicit nonce, HelloRequest, tag
      const cut = BOUND * recordSize + 5 + 6;
      buffer.processIncoming(sealed.subarray(0, cut));
      expect(readOrError(buffer)).toBeInstanceOf(WantReadError);
      buffer.processIncoming(sealed.subarray(cut, cut + 10)); // the body, not all of it yet
      buffer.processIncoming(sealed.subarray(cut + 10)); // the rest of the body, and the data record
      const result = readOrError(buffer);
      expect(result).toBeInstanceOf(TLSError);
      expect(result).not.toBeInstanceOf(WantReadError);
      expect(String(result)).toMatch(/more than 32 .*in a row with no (application )?data/);
      flush();
      close();
      expect((await injector.fatalAlert())?.content).toEqual(Buffer.from([2, name === 'openssl' ? INTERNAL_ERROR : UNEXPECTED_MESSAGE]));
      const answers = injector.received.filter((r) => r.type === CONTENT.alert && r.content[1] === NO_RENEGOTIATION);
      expect(answers.length).toBeGreaterThanOrEqual(BOUND);
    } finally {
      close();
    }
  });
});
