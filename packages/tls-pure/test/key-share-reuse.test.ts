/**
 * A client offering X25519MLKEM768 and X25519 sends one X25519 key pair in both shares
 * (draft-ietf-tls-hybrid-design-09 §3.2, as Go's crypto/tls does; issue #17, handshake CPU): the
 * X25519 share is the hybrid share's last 32 bytes, fresh per connection, and either share the
 * server picks completes the handshake, with both providers.
 */
import { describe, expect, it } from 'vitest';
import { WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { ExtensionType, NamedGroup } from '../src/codec/constants.js';
import * as ext from '../src/codec/extensions.js';
import { decodeClientHello, findExtension } from '../src/codec/messages.js';
import { nobleCryptoProvider, PureClientContext, PureServerContext, type PureBuffer, type PureContextOptions } from '../src/mod.js';
import { clientConfiguration, handshake, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();

/** The key_share entries of the ClientHello `client` sends first. */
function offeredShares(client: TLSBuffer): Map<number, Uint8Array> {
  expect(() => client.doHandshake()).toThrow(WantReadError);
  const record = client.processOutgoing(1 << 20);
  expect(record[0]).toBe(22); // one handshake record: header (5), then the message header (4)
  const hello = decodeClientHello(record.subarray(9, 5 + ((record[3]! << 8) | record[4]!)));
  const shares = ext.keyShare.decodeClient(findExtension(hello.extensions, ExtensionType.KEY_SHARE)!);
  return new Map(shares.map((s) => [s.group, s.keyExchange]));
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe.each([
  ['node:crypto', {}],
  ['@noble', { provider: nobleCryptoProvider }],
] as const)('key shares of a client offering X25519MLKEM768 first (%s provider)', (_name, providerOptions: PureContextOptions) => {
  const clientContext = (groups?: number[]) => new PureClientContext(clientConfiguration(pki), { ...providerOptions, ...(groups ? { groups } : {}) });

  it('sends the hybrid share X25519 key as its X25519 share, a new one per connection', () => {
    const context = clientContext();
    const first = offeredShares(context.createBuffer('localhost'));
    const second = offeredShares(context.createBuffer('localhost'));
    for (const shares of [first, second]) {
      expect([...shares.keys()]).toEqual([NamedGroup.X25519MLKEM768, NamedGroup.x25519]);
      expect(shares.get(NamedGroup.X25519MLKEM768)!.length).toBe(1184 + 32);
      expect(hex(shares.get(NamedGroup.X25519MLKEM768)!.subarray(1184))).toBe(hex(shares.get(NamedGroup.x25519)!));
    }
    expect(hex(first.get(NamedGroup.x25519)!)).not.toBe(hex(second.get(NamedGroup.x25519)!));
    expect(hex(first.get(NamedGroup.X25519MLKEM768)!.subarray(0, 1184))).not.toBe(hex(second.get(NamedGroup.X25519MLKEM768)!.subarray(0, 1184)));
  });

  it('keeps a separate key pair for a classical group other than X25519', () => {
    const shares = offeredShares(clientContext([NamedGroup.X25519MLKEM768, NamedGroup.secp256r1]).createBuffer('localhost'));
    expect([...shares.keys()]).toEqual([NamedGroup.X25519MLKEM768, NamedGroup.secp256r1]);
    expect(shares.get(NamedGroup.secp256r1)!.length).toBe(65);
  });

  it.each([
    ['the hybrid', [NamedGroup.X25519MLKEM768], NamedGroup.X25519MLKEM768],
    ['X25519', [NamedGroup.x25519], NamedGroup.x25519],
    ['P-256', [NamedGroup.secp256r1], NamedGroup.secp256r1],
  ])('completes the handshake when the server picks %s, and both ends hold the same keys', (_what, serverGroups, expected) => {
    const client = clientContext(expected === NamedGroup.secp256r1 ? [NamedGroup.X25519MLKEM768, NamedGroup.secp256r1] : undefined).createBuffer('localhost');
    const server = new PureServerContext(serverConfiguration(pki), { ...providerOptions, groups: serverGroups }).createBuffer();
    expect(handshake(client, server)).toBe(2);
    expect((client as PureBuffer).keyExchangeGroup()).toBe(expected);
    expect((server as PureBuffer).keyExchangeGroup()).toBe(expected);
    client.write(new TextEncoder().encode('shared'));
    pump(client, server);
    expect(new TextDecoder().decode(server.read(100) as Uint8Array)).toBe('shared');
    server.write(new TextEncoder().encode('back'));
    pump(server, client);
    expect(new TextDecoder().decode(client.read(100) as Uint8Array)).toBe('back');
  });
});
