import { describe, expect, it } from 'vitest';
import { ClientConnectionError, ClientError, ClientUsageError, checkLine, clientErrors, encodeCommand, errorClass, errorKind, type ClientErrorOptions } from '../src/mod.js';

describe('the CR/LF/NUL guard', () => {
  it.each(['NOOP\r\nRSET', 'a\rb', 'a\nb', 'a\0b'])('refuses %j before anything is built', (text) => {
    expect(() => encodeCommand(text)).toThrow(ClientUsageError);
    expect(() => checkLine('a mailbox name', text)).toThrow(/a mailbox name contains CR, LF or NUL/);
  });

  it('encodes a safe line with CRLF, UTF-8 by default', () => {
    expect(encodeCommand('EHLO client.test').toString('latin1')).toBe('EHLO client.test\r\n');
    expect(encodeCommand('MAIL FROM:<ä@x>')).toEqual(Buffer.from('MAIL FROM:<ä@x>\r\n', 'utf8'));
    expect(encodeCommand('é', clientErrors, 'latin1')).toEqual(Buffer.from([0xe9, 0x0d, 0x0a]));
  });

  it('raises through the family it is given', () => {
    class Mine extends Error {}
    expect(() => checkLine('x', 'a\nb', { ...clientErrors, usage: (m) => new Mine(m) })).toThrow(Mine);
  });
});

describe('ClientError', () => {
  it('keeps code, role, name and cause', () => {
    const cause = new Error('ECONNRESET');
    const error = clientErrors.connection('the connection failed', { cause }) as ClientConnectionError;
    expect(error).toBeInstanceOf(ClientConnectionError);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'UNITLS_CLIENT_CONNECTION', role: 'connection', name: 'ClientConnectionError', cause });
  });

  it('is recognised by brand across copies of a package', async () => {
    // A second instance of the module, as npm would install for a duplicated dependency.
    // @ts-expect-error -- the query string makes a second instance of the module; TypeScript has no declaration for it
    const copy = (await import('../src/errors.js?copy')) as typeof import('../src/errors.js');
    expect(copy.ClientUsageError).not.toBe(ClientUsageError);
    const error = new copy.ClientUsageError('from the other copy');
    expect(error).toBeInstanceOf(ClientUsageError);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).not.toBeInstanceOf(ClientConnectionError);
    expect(new ClientUsageError('x')).toBeInstanceOf(copy.ClientError);
  });

  it('errorClass makes a branded subclass: its name, literal code and role (or its base\'s), the base\'s constructor', () => {
    class FamilyError extends ClientError {
      override readonly code: string = 'TEST_FAMILY';
      readonly reply: string | null;
      constructor(message: string, reply: string | null = null, options?: ClientErrorOptions) {
        super(message, options);
        this.reply = reply;
      }
      static override readonly [errorKind]: string = 'TestFamilyError';
    }
    const TestAbort = errorClass(FamilyError, 'TestAbort', 'TEST_ABORT', 'connection');
    const TestGrammarError = errorClass(TestAbort, 'TestGrammarError', 'TEST_GRAMMAR', 'protocol');
    const TestNotOffered = errorClass(FamilyError, 'TestNotOffered', 'TEST_NOT_OFFERED');
    const cause = new Error('ECONNRESET');
    const error = new TestGrammarError('a malformed line', '* BYE', { cause });
    expect(error).toMatchObject({ name: 'TestGrammarError', code: 'TEST_GRAMMAR', role: 'protocol', reply: '* BYE', message: 'a malformed line', cause });
    expect(String(error)).toBe('TestGrammarError: a malformed line');
    expect(TestGrammarError.name).toBe('TestGrammarError');
    for (const parent of [TestAbort, FamilyError, ClientError]) expect(error).toBeInstanceOf(parent);
    expect(new TestAbort('x')).not.toBeInstanceOf(TestGrammarError);
    expect(new TestAbort('x')).toMatchObject({ name: 'TestAbort', code: 'TEST_ABORT', role: 'connection', reply: null });
    expect(new TestNotOffered('y')).toMatchObject({ code: 'TEST_NOT_OFFERED', role: 'error' });
    class Subclassed extends TestAbort {}
    expect(new Subclassed('z')).toBeInstanceOf(TestAbort);
    // The kit's own ClientUsageError is made by errorClass: 'is recognised by brand across copies' covers copies.
  });

  it('lets a client family brand its own classes', () => {
    class SMTPException extends ClientError {
      static override readonly [errorKind]: string = 'TestSMTPException';
    }
    class SMTPUsageError extends SMTPException {
      override readonly role = 'usage' as const;
      static override readonly [errorKind]: string = 'TestSMTPUsageError';
    }
    const error = new SMTPUsageError('bad');
    expect(error).toBeInstanceOf(SMTPException);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).not.toBeInstanceOf(ClientUsageError);
    expect(new SMTPException('x')).not.toBeInstanceOf(SMTPUsageError);
    expect(error.role).toBe('usage');
  });
});
