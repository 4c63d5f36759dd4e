/** #14 item 1, the C side: a NUL inside a string never reaches OpenSSL shortened. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { addon } from '../src/addon.js';
import { clientContext, pump, serverContext } from './fixtures.js';

const HOSTILE = 'localhost\0.attacker.example';

describe('server names with a NUL inside', () => {
  it('are refused by the addon itself, whatever the TypeScript side let through', () => {
    const native = addon.createContext(false, { minVersion: 0x0303, maxVersion: 0x0304, cipherList: '', cipherSuites: 'TLS_AES_128_GCM_SHA256' });
    const attempt = () => addon.createConnection(native, HOSTILE, false, null);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/server name contains a NUL character/);
    expect(attempt).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'UNITLS_NUL_IN_STRING' }) }));
  });

  it('never complete a handshake against a certificate for localhost only', () => {
    const server = serverContext().createBuffer();
    let client;
    try {
      client = clientContext().createBuffer(HOSTILE);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return;
    }
    // Only reached if the name was taken: then the handshake must fail, never complete.
    let failed = false;
    for (let round = 0; round < 10 && !failed; round++) {
      for (const side of [client, server]) {
        try {
          side.doHandshake();
        } catch (error) {
          if ((error as Error).name !== 'WantReadError') failed = true;
        }
      }
      pump(client, server);
      pump(server, client);
    }
    expect(failed).toBe(true);
  });

  it('are refused in the other strings the addon takes (cipher lists)', () => {
    expect(() => addon.createContext(false, { minVersion: 0x0303, maxVersion: 0x0304, cipherList: '', cipherSuites: 'TLS_AES_128_GCM_SHA256\0:x' })).toThrow(
      /cipherSuites contains a NUL character/,
    );
  });
});
