/**
 * A HelloRetryRequest loop (RFC 8446 §4.1.4): a server that answers the second ClientHello with
 * another HelloRetryRequest, and a client that answers a HelloRetryRequest with the same
 * ClientHello again. Each must end the handshake at once with a typed error and the alert the RFC
 * names (unexpected_message for a second HRR, illegal_parameter for a ClientHello that still lacks
 * the requested share), never a second retry. tls-pure's server makes the HRR (groups [P-256]
 * against a client whose first share is X25519); the replayed record is its own bytes.
 */
import { describe, expect, it } from 'vitest';
import { TLSError, type TLSBuffer } from '@unitls/tls-core';
import { PureClientContext, PureServerContext } from '@unitls/tls-pure';
import { stepError } from '../support/buffer-pair.js';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const withBuffers = implementations.filter((i) => i.features.buffer);
const X25519 = 0x001d;
const P256 = 0x0017;
/** tls-pure builds (any crypto provider) take a groups option; the others offer X25519 first by default. */
const isPure = (name: string) => name.startsWith('pure');

/** The step's typed error, or null when it only wants more bytes. */
function take(from: TLSBuffer): Uint8Array {
  return from.processOutgoing(from.outgoingBytesBuffered());
}

/** An alert record's description (plaintext: the handshake keys are not in place yet). */
function alertIn(bytes: Uint8Array): number | null {
  return bytes.length === 7 && bytes[0] === 21 ? bytes[6]! : null;
}

describe.each(withBuffers.map((i) => [i.name, i] as const))('a HelloRetryRequest loop (%s)', (_, implementation) => {
  it('the client refuses a second HelloRetryRequest with unexpected_message', () => {
    const config = clientConfig();
    const client = isPure(implementation.name) ? new PureClientContext(config, { groups: [X25519, P256] }).createBuffer('localhost') : new implementation.clientContext(config).createBuffer('localhost');
    const server = new PureServerContext(serverConfig('server-ec'), { groups: [P256] }).createBuffer();
    expect(stepError(() => client.doHandshake())).toBeNull();
    server.processIncoming(take(client));
    expect(stepError(() => server.doHandshake())).toBeNull();
    const retry = take(server);
    client.processIncoming(retry);
    expect(stepError(() => client.doHandshake())).toBeNull();
    expect(client.outgoingBytesBuffered()).toBeGreaterThan(0); // the second ClientHello
    take(client);
    client.processIncoming(retry); // the same HelloRetryRequest again
    const outcome = stepError(() => client.doHandshake());
    expect(outcome).toBeInstanceOf(TLSError);
    expect(outcome!.message).toMatch(/HelloRetryRequest|unexpected message/i);
    expect(alertIn(take(client))).toBe(10); // unexpected_message
  });

  it('the server refuses the first ClientHello replayed after its HelloRetryRequest', () => {
    const client = new PureClientContext(clientConfig(), { groups: [X25519, P256] }).createBuffer('localhost');
    const server = isPure(implementation.name)
      ? new PureServerContext(serverConfig('server-ec'), { groups: [P256] }).createBuffer()
      : new implementation.serverContext(serverConfig('server-ec')).createBuffer();
    expect(stepError(() => client.doHandshake())).toBeNull();
    const hello = take(client);
    server.processIncoming(hello);
    expect(stepError(() => server.doHandshake())).toBeNull();
    take(server); // a HelloRetryRequest (tls-pure), or the whole first flight (OpenSSL takes X25519)
    server.processIncoming(hello);
    const outcome = stepError(() => server.doHandshake());
    expect(outcome).toBeInstanceOf(TLSError);
    expect(server.outgoingBytesBuffered()).toBeGreaterThan(0); // an alert for the peer
    // tls-pure's is illegal_parameter in the clear; OpenSSL's (its handshake keys in place) is sealed.
    if (isPure(implementation.name)) expect(alertIn(take(server))).toBe(47);
  });
});
