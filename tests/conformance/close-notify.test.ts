/**
 * The end of a connection, seen by an independent peer (Python's ssl, suppress_ragged_eofs=False):
 * - close(true) and close(false) send close_notify, client and server (issue #14 item 4);
 * - our close_notify still reaches a peer that sent its close_notify and FIN first: the transport
 *   stays half-open until ours is written (item 5);
 * - a peer's FIN without close_notify is RaggedEOF and a close_notify is a clean end, the same on
 *   every implementation for the same bytes (item 11);
 * - the same verdicts on the server side, for a slow reader (the end arrives while reading is
 *   paused) and over a JavaScript transport (startTls on a Duplex);
 * - a TLS error after the handshake fails the server's recv and closes the connection (item 13),
 *   and the fatal alert reaches the client even when the server then closes abortively, right
 *   after its session tickets (item 14: no Nagle delay, tickets and alert written together);
 * - a recv waiting when close() is called ends with recvEndedByClose, whatever the peer answers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECV_ENDED_BY_CLOSE, RaggedEOF, TLSError, startTls, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { connectPair, jsTransport, recvExactly, sendText } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const SCRIPT = fileURLToPath(new URL('../support/python/close_peer.py', import.meta.url));

/** Starts the Python peer; `lines` yields what it prints, one line at a time. */
function python(mode: string, port?: number): { child: ChildProcessWithoutNullStreams; line: () => Promise<string>; done: Promise<void> } {
  const args = [SCRIPT, mode, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('root'), ...(port === undefined ? [] : [String(port)])];
  const child = spawn('python3', args);
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const done = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`close_peer.py ${mode} exited with ${code}: ${Buffer.concat(stderr).toString()}`);
  });
  done.catch(() => {});
  return {
    child,
    line: async () => {
      const next = await lines.next();
      if (next.done) {
        await done;
        throw new Error(`close_peer.py ${mode} printed nothing more: ${Buffer.concat(stderr).toString()}`);
      }
      return next.value;
    },
    done,
  };
}

async function accepted(implementation: TLSImplementation, peer: (port: number) => Promise<void>): Promise<TLSSocket> {
  const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
  try {
    const [[socket]] = await Promise.all([listener.accept(), peer(listener.getsockname()!.port)]);
    return socket;
  } finally {
    await listener.close();
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('close_notify seen by Python (%s)', (_, implementation) => {
  it.each([true, false])('a client close(force=%s) sends close_notify', async (force) => {
    const peer = python('observe-server');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    await sendText(socket, 'hello');
    await socket.close(force);
    expect(JSON.parse(await peer.line())).toEqual({ data: 'hello', end: 'close_notify' });
    await peer.done;
  });

  // Found (breaker3): with a recv waiting (as TLSSocketStream, ssl-compat and the HTTP transport
  // always keep one), close() on tls-openssl and tls-pure waited for that recv before it sent
  // close_notify; the peer waits for close_notify, so nothing came, and at CLOSE_NOTIFY_TIMEOUT_MS
  // the transport was destroyed: the peer saw a FIN without close_notify. tls-node sent it at once.
  it.each([true, false])('a client close(force=%s) while a recv waits still sends close_notify', async (force) => {
    const peer = python('observe-server');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    await sendText(socket, 'hello');
    const waiting = socket.recv(100).then(
      () => 'settled',
      () => 'settled',
    );
    await socket.close(force);
    expect(JSON.parse(await peer.line())).toEqual({ data: 'hello', end: 'close_notify' });
    expect(await waiting).toBe('settled');
    await peer.done;
  });

  // Nothing written first: our close_notify is the first record after the handshake, queued while
  // the handshake's last flight (the client's Finished, the server's session tickets) may still
  // be on its way to the kernel. It must still leave before the FIN.
  it.each([true, false])('a client close(force=%s) with nothing sent still sends close_notify', async (force) => {
    const peer = python('observe-server');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    await socket.close(force);
    expect(JSON.parse(await peer.line())).toEqual({ data: '', end: 'close_notify' });
    await peer.done;
  });

  it.each([true, false])('a server close(force=%s) with nothing sent still sends close_notify', async (force) => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python('observe-client', port);
    });
    await socket.close(force);
    expect(JSON.parse(await peer.line())).toEqual({ data: '', end: 'close_notify' });
    await peer.done;
  });

  it.each([true, false])('a server close(force=%s) right after the handshake sends close_notify', async (force) => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python('observe-client', port);
    });
    await sendText(socket, 'hello');
    await socket.close(force);
    expect(JSON.parse(await peer.line())).toEqual({ data: 'hello', end: 'close_notify' });
    await peer.done;
  });
});

/** Lets the event loop handle what already arrived (the peer's FIN), without waiting on time. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe.each(implementations.map((i) => [i.name, i] as const))('close_notify after the peer closed first (%s)', (_, implementation) => {
  it('client side: our close_notify reaches a server that sent close_notify and FIN first', async () => {
    const peer = python('close-first-server');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    expect((await socket.recv(100)).length).toBe(0);
    expect(JSON.parse(await peer.line())).toEqual({ fin: true });
    await turns(3); // the FIN is read; a transport that is not half-open answers it with its own now
    await socket.close();
    expect(JSON.parse(await peer.line())).toEqual({ end: 'close_notify' });
    await peer.done;
  });

  it('server side: our close_notify reaches a client that sent close_notify and FIN first', async () => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python('close-first-client', port);
    });
    expect((await socket.recv(100)).length).toBe(0);
    expect(JSON.parse(await peer.line())).toEqual({ fin: true });
    await turns(3);
    await socket.close();
    expect(JSON.parse(await peer.line())).toEqual({ end: 'close_notify' });
    await peer.done;
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('the end of the peer’s stream (%s)', (_, implementation) => {
  it('reports a FIN without close_notify as RaggedEOF, after the data', async () => {
    expect(implementation.features.raggedEOF).toBe(true);
    const peer = python('send-ragged');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(await recvExactly(socket, 4)).toBe('data');
      const error = await socket.recv(10).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RaggedEOF);
      expect(error).toMatchObject({ code: 'UNITLS_RAGGED_EOF' });
    } finally {
      await socket.close(true);
    }
    await peer.done;
  });

  // Once recv reported RaggedEOF the connection is over: Python's SSLSocket.send raises SSLEOFError
  // (its RaggedEOF) from then on, and so does every implementation here, before writing anything.
  // Before: tls-node's send resolved (a half-closed peer) or failed with TransportError EPIPE (a
  // peer that closed at once), tls-openssl's with a plain TLSError, tls-pure's with RaggedEOF.
  it.each(['send-ragged', 'send-ragged-close'])('after the RaggedEOF of %s, every send rejects with RaggedEOF', async (mode) => {
    const peer = python(mode);
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(await recvExactly(socket, 4)).toBe('data');
      expect(await socket.recv(10).catch((e: unknown) => e)).toBeInstanceOf(RaggedEOF);
      for (let round = 0; round < 3; round++) {
        const error = await socket.send(new Uint8Array(16 * 1024)).then(
          (sent) => new Error(`send resolved with ${sent}`),
          (e: unknown) => e,
        );
        expect(error, String(error)).toBeInstanceOf(RaggedEOF);
        expect(error).toMatchObject({ code: 'UNITLS_RAGGED_EOF', message: new RaggedEOF().message });
      }
    } finally {
      await socket.close(true);
    }
    await peer.done;
  });

  it('reports a close_notify as a clean end (an empty recv)', async () => {
    const peer = python('send-clean');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(await recvExactly(socket, 4)).toBe('data');
      expect((await socket.recv(10)).length).toBe(0);
    } finally {
      await socket.close();
    }
    await peer.done;
  });
});

/** Expects the peer's "data", then the end the peer chose (an empty recv, or RaggedEOF); closes. */
async function expectDataThenEnd(socket: TLSSocket, expected: 'clean' | 'RaggedEOF'): Promise<void> {
  try {
    expect(await recvExactly(socket, 4)).toBe('data');
    const end = await socket.recv(10).catch((e: unknown) => e);
    if (expected === 'clean') expect(end).toEqual(new Uint8Array(0));
    else expect(end).toBeInstanceOf(RaggedEOF);
  } finally {
    await socket.close(true);
  }
}

/** Reads to the end in small pieces, yielding between them, so the reader falls behind the peer. */
async function readSlowly(socket: TLSSocket): Promise<{ length: number; end: unknown }> {
  let length = 0;
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await socket.recv(16 * 1024);
    } catch (error) {
      return { length, end: error };
    }
    if (chunk.length === 0) return { length, end: 'clean' };
    length += chunk.length;
    await turns(1);
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('the end of the peer’s stream, server side and slow readers (%s)', (_, implementation) => {
  it.each([
    ['client-send-ragged', 'RaggedEOF'],
    ['client-send-clean', 'clean'],
  ] as const)('the server reading a client’s %s sees the data, then %s', async (mode, expected) => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python(mode, port);
    });
    await expectDataThenEnd(socket, expected);
    await peer.done;
  });

  // 4 MiB read 16 KiB at a time: the end arrives while the reader is behind and the connection's
  // reading is paused for backpressure.
  it.each([
    ['send-clean-large', 'clean'],
    ['send-ragged-large', 'RaggedEOF'],
  ])('a slow reader of %s sees every byte, then %s', async (mode, expected) => {
    const peer = python(mode);
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      const { length, end } = await readSlowly(socket);
      expect(length).toBe(4 << 20);
      if (expected === 'clean') expect(end).toBe('clean');
      else expect(end).toBeInstanceOf(RaggedEOF);
    } finally {
      await socket.close(true);
    }
    await peer.done;
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('the end of the stream over a JavaScript transport (%s)', (_, implementation) => {
  it.each([
    ['send-ragged', 'RaggedEOF'],
    ['send-clean', 'clean'],
  ] as const)('startTls over a Duplex: %s ends with %s', async (mode, expected) => {
    const peer = python(mode);
    const port = Number(await peer.line());
    const tcp = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(tcp, 'connect');
    const context = new implementation.clientContext(clientConfig());
    await expectDataThenEnd(await startTls(context, jsTransport(tcp), { serverHostname: 'localhost' }), expected);
    await peer.done;
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('TLS errors after the handshake, server side (%s)', (_, implementation) => {
  it('rejects recv and closes the connection when the client sends an undecryptable record', async () => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python('bad-record', port);
    });
    try {
      const error = await socket.recv(100).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TLSError);
      expect(error).not.toBeInstanceOf(RaggedEOF);
      // The client never closes its side: it only returns once the server closed the connection.
      expect(JSON.parse(await peer.line())).toMatchObject({ closed: true });
    } finally {
      await socket.close(true);
    }
    await peer.done;
  });

  it('the fatal alert for a forged record reaches the client before close(true) ends the connection', async () => {
    let peer!: ReturnType<typeof python>;
    const socket = await accepted(implementation, async (port) => {
      peer = python('forged-record', port);
    });
    const error = await socket.recv(100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TLSError);
    await socket.close(true);
    expect(JSON.parse(await peer.line())).toEqual({ alert: expect.stringMatching(/BAD_RECORD_MAC/i), records: expect.any(Array) });
    await peer.done;
  });
});

/** The end of a recv that waited while close() ran: recvEndedByClose, never an end of stream. */
function expectEndedByClose(outcome: unknown): void {
  expect(outcome, String(outcome)).toBeInstanceOf(TLSError);
  expect(outcome).not.toBeInstanceOf(RaggedEOF);
  expect(outcome).toMatchObject({ code: 'UNITLS_TLS_ERROR', message: RECV_ENDED_BY_CLOSE });
}

// Before: tls-node's waiting recv resolved with an empty array (as if the peer had sent
// close_notify: a body cut off by our own close or timeout read as complete); tls-openssl's and
// tls-pure's ended with the peer's answer: an empty array for its close_notify, RaggedEOF for a FIN,
// and RaggedEOF after close(true) though the peer had truncated nothing.
describe.each(implementations.map((i) => [i.name, i] as const))('a recv waiting while close() runs (%s)', (_, implementation) => {
  it.each([false, true])('close(force=%s), the peer answers with close_notify: the recv rejects with recvEndedByClose', async (force) => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      // The server reads our close_notify, then closes with its own.
      const server = pair.server.recv(10).then(async (data) => {
        await pair.server.close();
        return data;
      });
      const waiting = pair.client.recv(10).then(
        (data) => new Error(`recv resolved with ${data.length} bytes`),
        (e: unknown) => e,
      );
      await turns(3);
      await pair.client.close(force);
      expectEndedByClose(await waiting);
      expect(await server).toEqual(new Uint8Array(0));
      expect(await pair.client.recv(10).catch((e: unknown) => e)).toBeInstanceOf(TLSError);
    } finally {
      await pair.close();
    }
  });

  it.each([false, true])('close(force=%s), the peer answers with a FIN only (Python): the recv rejects with recvEndedByClose', async (force) => {
    const peer = python('observe-server');
    const port = Number(await peer.line());
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    const waiting = socket.recv(10).then(
      (data) => new Error(`recv resolved with ${data.length} bytes`),
      (e: unknown) => e,
    );
    await turns(3);
    await socket.close(force);
    expectEndedByClose(await waiting);
    expect(JSON.parse(await peer.line())).toEqual({ data: '', end: 'close_notify' });
    await peer.done;
  });
});
