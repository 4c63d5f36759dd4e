import { describe, expect, it } from 'vitest';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

/** IANA TLS Supported Groups names, spelled as the registry does (lower-case 'x25519'). */
const ianaGroupNames = ['x25519', 'x448', 'secp256r1', 'secp384r1', 'secp521r1', 'X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024'];

// TLSSocket.negotiatedGroup is an optional member of tls-core's interface: this file calls it on
// the interface type, with no cast (it did not type-check while the interface lacked it: TS2339).
describe.each(implementations.map((i) => [i.name, i] as const))('negotiatedGroup() (%s)', (name, implementation) => {
  it('names the key-exchange group by its IANA name on the client (and the server, except node:tls servers), null after close', async () => {
    const pair = await connectPair(implementation, serverConfig('server-ec'), clientConfig());
    try {
      const group = pair.client.negotiatedGroup?.();
      expect(ianaGroupNames).toContain(group);
      expect(pair.server.negotiatedGroup?.()).toBe(name === 'node' ? null : group);
    } finally {
      await pair.close();
    }
    expect(pair.client.negotiatedGroup?.()).toBeNull();
  });
});
