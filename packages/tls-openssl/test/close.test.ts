/**
 * How connections end, observed by Python's ssl module (an independent peer): close(true) still
 * sends close_notify (PEP 748), close_notify survives a peer that closed first (half-open
 * transports), and an alert is not lost to an abortive close (noDelay).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TLSSocket } from '@unitls/tls-core';
import { clientContext, pemFiles, PythonPeer, serverContext } from './fixtures.js';

const files = pemFiles();
afterAll(() => files.remove());

/** Our client connected to a Python server running `mode`. */
async function toPython(mode: string): Promise<{ socket: TLSSocket; peer: PythonPeer }> {
  const peer = new PythonPeer([mode, 'server', files.cert, files.key]);
  const port = Number((await peer.line()).replace('port ', ''));
  const socket = await clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  return { socket, peer };
}

/** A Python client running `mode`, accepted by our server. */
async function fromPython(mode: string): Promise<{ socket: TLSSocket; peer: PythonPeer; listener: TLSSocket }> {
  const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
  const peer = new PythonPeer([mode, 'client', String(listener.getsockname()!.port), files.ca]);
  const [socket] = await listener.accept();
  return { socket, peer, listener };
}

/** Lets the event loop handle what already arrived (the peer's FIN), without waiting on time. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('close(force=true) sends close_notify without waiting (PEP 748)', () => {
  it('client side: a Python server with suppress_ragged_eofs=False sees a clean end', async () => {
    const { socket, peer } = await toPython('read');
    try {
      await socket.close(true);
      expect(await peer.line()).toBe('clean-eof');
    } finally {
      await peer.close();
    }
  });

  it('server side: a Python client with suppress_ragged_eofs=False sees a clean end', async () => {
    const { socket, peer, listener } = await fromPython('read');
    try {
      await socket.close(true);
      expect(await peer.line()).toBe('clean-eof');
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});

describe('close_notify after the peer closed first (half-open transport)', () => {
  it('client side: our close_notify reaches a server that sent close_notify and FIN first', async () => {
    const { socket, peer } = await toPython('close-first');
    try {
      expect((await socket.recv(100)).length).toBe(0);
      expect(await peer.line()).toBe('fin-sent');
      await turns(3); // the FIN is read; a transport that is not half-open would answer it now
      await socket.close();
      expect(await peer.line()).toBe('close_notify received');
    } finally {
      await peer.close();
    }
  });

  it('server side: our close_notify reaches a client that sent close_notify and FIN first', async () => {
    const { socket, peer, listener } = await fromPython('close-first');
    try {
      expect((await socket.recv(100)).length).toBe(0);
      expect(await peer.line()).toBe('fin-sent');
      await turns(3);
      await socket.close();
      expect(await peer.line()).toBe('close_notify received');
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});

describe('alerts are not lost to an abortive close', () => {
  it('server side: session tickets and the bad_record_mac alert they come with leave in one write, before close(true)', async () => {
    const { socket, peer, listener } = await fromPython('garbage');
    try {
      await expect(socket.recv(100)).rejects.toThrow(/TLS read failed/);
      await socket.close(true);
      // Two NewSessionTicket records and the alert, all in the first read.
      expect(await peer.line()).toMatch(/^records per read: 3$/);
      expect(await peer.line()).toMatch(/^alert: .*BAD_RECORD_MAC/i);
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});
