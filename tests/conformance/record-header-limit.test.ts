/**
 * A record header that announces more than the protocol allows ends the connection as soon as the
 * header arrives (RFC 8446 5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256; record_overflow),
 * without waiting for a body that may never come. The peer keeps the connection open, so a recv
 * that waited for the announced body would wait for ever.
 *
 * Found (session 5 breaker): a tls-openssl incoming BIO that handed OpenSSL whole records only held
 * such a header back until its body arrived (a TLS 1.3 header of length 16641 waited > 5 s; tls-node
 * and tls-pure failed in ~50 ms). That BIO was reverted; this keeps every implementation honest.
 */
import { describe, expect, it } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { conformanceImplementations } from './implementations.js';
import { clientConfig } from '../support/fixtures.js';
import { useServersSendingRaw } from '../support/raw-after-handshake.js';

const serverSending = useServersSendingRaw();

describe.each(conformanceImplementations.map((i) => [i.name, i] as const))('%s', (_, implementation) => {
  it.each([
    ['TLS 1.3 application data, 16641 bytes (2^14 + 257)', '1703034101'],
    ['TLS 1.3 application data, 17920 bytes', '1703034600'],
  ])('a record header announcing %s: recv rejects at the header, the body never sent', async (_, hex) => {
    const port = await serverSending(Buffer.from(hex, 'hex'));
    const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(new TextDecoder().decode(await socket.recv(1))).toBe('A');
      const outcome = await socket.recv(100).then(
        (bytes) => bytes,
        (error: unknown) => error,
      );
      expect(outcome, String(outcome)).toBeInstanceOf(TLSError);
    } finally {
      await socket.close(true);
    }
  });
});
