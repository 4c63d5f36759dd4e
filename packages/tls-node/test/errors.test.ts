import { describe, expect, it } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { toTLSError } from '../src/errors.js';

const reset = () => Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });

describe('toTLSError', () => {
  it('words ECONNRESET by when it happened: a close during the handshake, a reset after it', () => {
    const early = toTLSError(reset(), 'handshake');
    expect(early).toBeInstanceOf(TLSError);
    // The text BufferSocket gives (tls-openssl, tls-pure); no "(ECONNRESET)": that is a TransportError's.
    expect(early.message).toBe('the connection closed during the TLS handshake');
    expect(early.cause).toMatchObject({ code: 'ECONNRESET' });
    const late = toTLSError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'read');
    expect(late.message).toBe('TLS read failed: the peer reset the connection (ECONNRESET)');
    expect((late as TLSError).cause).toMatchObject({ code: 'ECONNRESET' });
  });
});
