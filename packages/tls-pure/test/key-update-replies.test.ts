/**
 * RFC 8446 §4.6.3: a KeyUpdate with update_requested is answered with one of our own before our
 * next application data, and "an implementation which receives multiple KeyUpdates while it is
 * silent" responds "with a single update". tls-pure answered every request (10 requests, 10
 * replies); now the first while silent, and again once it has sent data.
 */
import { describe, expect, it } from 'vitest';
import type { TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext, type PureBuffer } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const text = (s: string) => new TextEncoder().encode(s);

function pair(): { client: TLSBuffer; server: PureBuffer } {
  const client = new PureClientContext(clientConfiguration(pki, { lowestSupportedVersion: 'TLSv1.3' })).createBuffer('localhost');
  const server = new PureServerContext(serverConfiguration(pki)).createBuffer() as PureBuffer;
  handshake(client, server);
  pump(server, client); // the tickets
  try {
    client.read(1);
  } catch {
    // WantRead: the tickets carry no data
  }
  return { client, server };
}

/** The bytes the client queues after taking the server's records. */
function replyBytes(client: TLSBuffer, server: TLSBuffer): number {
  pump(server, client);
  try {
    client.read(1 << 16);
  } catch {
    // WantRead: KeyUpdates carry no data
  }
  const queued = client.outgoingBytesBuffered();
  pump(client, server);
  return queued;
}

describe('KeyUpdate requests while silent (RFC 8446 §4.6.3)', () => {
  it('ten requests while silent get one KeyUpdate back; after data, a request gets another', () => {
    const { client, server } = pair();
    server.keyUpdate(true);
    const one = replyBytes(client, server);
    expect(one).toBeGreaterThan(0);

    for (let i = 0; i < 10; i++) server.keyUpdate(true);
    // The client's key was updated by its first reply and it has sent nothing since: no new reply.
    expect(replyBytes(client, server)).toBe(0);

    client.write(text('data'));
    pump(client, server);
    expect(new TextDecoder().decode(server.read(100))).toBe('data');
    server.keyUpdate(true);
    expect(replyBytes(client, server)).toBe(one);

    // Both directions still work under the updated keys.
    server.write(text('from server'));
    pump(server, client);
    expect(new TextDecoder().decode(client.read(100))).toBe('from server');
    client.write(text('from client'));
    pump(client, server);
    expect(new TextDecoder().decode(server.read(100))).toBe('from client');
  });

  it('ten requests in one flight while silent also get one', () => {
    const { client, server } = pair();
    for (let i = 0; i < 10; i++) server.keyUpdate(true);
    const reply = replyBytes(client, server);
    server.keyUpdate(true);
    // A fresh pair's single reply is the size of one KeyUpdate record.
    const { client: other, server: otherServer } = pair();
    otherServer.keyUpdate(true);
    expect(reply).toBe(replyBytes(other, otherServer));
    expect(replyBytes(client, server)).toBe(0);
  });
});
