/**
 * A peer that floods KeyUpdates (RFC 8446 §4.6.3) with no data between them: each costs a key
 * derivation (and, with update_requested, a reply), and the RFC leaves the bound to the
 * implementation. Every implementation must refuse a long run with a typed error and an
 * unexpected_message alert while a short run, and KeyUpdates with data between them, keep the
 * connection working. tls-pure refuses the 33rd in a row (maxEmptyRecords). tls-openssl takes what
 * the OpenSSL it is built on takes: OpenSSL 3.0 sets no bound (20 000 in a row were taken, one reply
 * each to a request), so for it the test pins only that its replies stay in proportion to the flood
 * and the data after it arrives. The flooding server is tls-pure's, the only one whose TLSBuffer can
 * send a KeyUpdate on demand.
 */
import { describe, expect, it } from 'vitest';
import { TLSError, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { implementation as pure, type PureBuffer } from '@unitls/tls-pure';
import { handshake, pump } from '../support/buffer-pair.js';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const withBuffers = implementations.filter((i) => i.features.buffer);
/** OpenSSL 3.0 bounds no KeyUpdate run (see above). */
const bounded = (name: string) => name !== 'openssl';
const text = (s: string) => new TextEncoder().encode(s);

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

  // Each implementation gets the case that states its behaviour (defined, not skipped: .ci/run counts a skipped test as not run).
  if (bounded(implementation.name)) it.each([false, true])('refuses 200 KeyUpdates in a row (update_requested %s) with unexpected_message', (requested) => {
    const { client, server } = pair();
    for (let i = 0; i < 200; i++) server.keyUpdate(requested);
    server.write(text('late'));
    pump(server, client);
    const result = readOrError(client);
    expect(result).toBeInstanceOf(TLSError);
    expect(result).not.toBeInstanceOf(WantReadError);
    // The client answered at most once per KeyUpdate it took, and alerted: a few KiB, not 200 replies.
    expect(client.outgoingBytesBuffered()).toBeLessThan(40 * 30);
    // The server sees a fatal alert (unexpected_message, 10) rather than the client's silence.
    client.outgoingBytesBuffered() > 0 && pump(client, server);
    const seen = readOrError(server);
    expect(seen).toBeInstanceOf(TLSError);
    expect(String((seen as Error).message)).toMatch(/unexpected.message/i);
  });

  else it('takes 200 KeyUpdates in a row (OpenSSL 3.0 sets no bound), replying at most once to each', () => {
    const { client, server } = pair();
    for (let i = 0; i < 200; i++) server.keyUpdate(true);
    server.write(text('late'));
    const flood = server.outgoingBytesBuffered();
    pump(server, client);
    expect(readOrError(client)).toBe('late');
    expect(client.outgoingBytesBuffered()).toBeLessThanOrEqual(flood);
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
