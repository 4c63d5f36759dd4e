/**
 * The advice for a server that answered the ClientHello in plain text (trial 10, finding 12: a
 * plain SMTP port said "one that expects STARTTLS first" without naming --starttls smtp).
 */
import { describe, expect, it } from 'vitest';
import { startTlsAdvice } from './starttls.js';

describe('startTlsAdvice', () => {
  it.each([
    [25, 'smtp'],
    [587, 'smtp'],
    [143, 'imap'],
    [110, 'pop3'],
    [21, 'ftp'],
  ] as const)('port %i names --starttls %s', (port, protocol) => {
    expect(startTlsAdvice(port)).toBe(`; port ${port} is ${protocol.toUpperCase()}'s: add --starttls ${protocol}`);
  });

  it('any other port lists the protocols --starttls takes', () => {
    expect(startTlsAdvice(2525)).toBe('; for a STARTTLS service add --starttls PROTOCOL (smtp, imap, pop3, ftp)');
  });
});
