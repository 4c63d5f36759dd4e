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

/** Our client connected to a Python server running `mode` (close_peer.py's modes). */
async function toPython(mode: string): Promise<{ socket: TLSSocket; peer: PythonPeer }> {
  const peer = new PythonPeer([mode, files.cert, files.key, files.ca]);
  const port = Number(await peer.line());
  const socket = await clientContext().connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  return { socket, peer };
}

/** A Python client running `mode` (close_peer.py's modes), accepted by our server. */
async function fromPython(mode: string): Promise<{ socket: TLSSocket; peer: PythonPeer; listener: TLSSocket }> {
  const listener = await serverContext().connect({ host: '127.0.0.1', port: 0 });
  const peer = new PythonPeer([mode, files.cert, files.key, files.ca, String(listener.getsockname()!.port)]);
  const [socket] = await listener.accept();
  return { socket, peer, listener };
}

/** Lets the event loop handle what already arrived (the peer's FIN), without waiting on time. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('close(force=true) sends close_notify without waiting (PEP 748)', () => {
  it('client side: a Python server with suppress_ragged_eofs=False sees a clean end', async () => {
    const { socket, peer } = await toPython('observe-server');
    try {
      await socket.close(true);
      expect(JSON.parse(await peer.line())).toEqual({ data: '', end: 'close_notify' });
    } finally {
      await peer.close();
    }
  });

  it('server side: a Python client with suppress_ragged_eofs=False sees a clean end', async () => {
    const { socket, peer, listener } = await fromPython('observe-client');
    try {
      await socket.close(true);
      expect(JSON.parse(await peer.line())).toEqual({ data: '', end: 'close_notify' });
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});

describe('close_notify after the peer closed first (half-open transport)', () => {
  it('client side: our close_notify reaches a server that sent close_notify and FIN first', async () => {
    const { socket, peer } = await toPython('close-first-server');
    try {
      expect((await socket.recv(100)).length).toBe(0);
      expect(JSON.parse(await peer.line())).toEqual({ fin: true });
      await turns(3); // the FIN is read; a transport that is not half-open would answer it now
      await socket.close();
      expect(JSON.parse(await peer.line())).toEqual({ end: 'close_notify' });
    } finally {
      await peer.close();
    }
  });

  it('server side: our close_notify reaches a client that sent close_notify and FIN first', async () => {
    const { socket, peer, listener } = await fromPython('close-first-client');
    try {
      expect((await socket.recv(100)).length).toBe(0);
      expect(JSON.parse(await peer.line())).toEqual({ fin: true });
      await turns(3);
      await socket.close();
      expect(JSON.parse(await peer.line())).toEqual({ end: 'close_notify' });
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});

describe('alerts are not lost to an abortive close', () => {
  it('server side: session tickets and the bad_record_mac alert they come with leave in one write, before close(true)', async () => {
    const { socket, peer, listener } = await fromPython('forged-record');
    try {
      await expect(socket.recv(100)).rejects.toThrow(/TLS read failed/);
      await socket.close(true);
      // Two NewSessionTicket records and the alert, all in the first read.
      expect(JSON.parse(await peer.line())).toEqual({ alert: expect.stringMatching(/BAD_RECORD_MAC/i), records: [3] });
    } finally {
      await peer.close();
      await listener.close();
    }
  });
});
