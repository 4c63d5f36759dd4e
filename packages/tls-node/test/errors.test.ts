import { describe, expect, it } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { toTLSError } from '../src/errors.js';

const reset = () => Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });

describe('toTLSError', () => {
  it('words ECONNRESET by when it happened: a close during the handshake, a reset after it', () => {
    const early = toTLSError(reset(), 'handshake');
    expect(early).toBeInstanceOf(TLSError);
    expect(early.message).toBe('TLS handshake failed: the peer closed the connection during the TLS handshake (ECONNRESET)');
    const late = toTLSError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'read');
    expect(late.message).toBe('TLS read failed: the peer reset the connection (ECONNRESET)');
    expect((late as TLSError).cause).toMatchObject({ code: 'ECONNRESET' });
  });
});
