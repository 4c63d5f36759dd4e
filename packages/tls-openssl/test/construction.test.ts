/** #14 item 10: buffers and sockets come from contexts only (PEP 748: not constructed by users). */
import { describe, expect, it } from 'vitest';
import { BufferSocket } from '@unitls/tls-core';
import { OpenSSLBuffer } from '../src/mod.js';
import { clientContext } from './fixtures.js';

describe('construction by users', () => {
  it('new OpenSSLBuffer() is a TypeError that says where buffers come from', () => {
    const Constructor = OpenSSLBuffer as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Constructor()).toThrow(TypeError);
    expect(() => new Constructor(clientContext(), {}, 'localhost')).toThrow(/cannot be constructed directly: use ClientContext.createBuffer/);
  });

  it('new BufferSocket() is a TypeError', () => {
    const Constructor = BufferSocket as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Constructor(undefined, clientContext().createBuffer('localhost'), null)).toThrow(/BufferSocket cannot be constructed directly/);
  });

  it('contexts still build working buffers', () => {
    expect(clientContext().createBuffer('localhost')).toBeInstanceOf(OpenSSLBuffer);
  });
});

describe('arguments that are not bytes', () => {
  it('write, processIncoming and read into a non-Uint8Array are TypeErrors, not TLS failures', () => {
    const buffer = clientContext().createBuffer('localhost');
    expect(() => buffer.write('text' as never)).toThrow(TypeError);
    expect(() => buffer.write('text' as never)).toThrow('the data to write must be a Uint8Array');
    expect(() => buffer.processIncoming([1, 2, 3] as never)).toThrow(TypeError);
    expect(() => buffer.read(10, new Uint16Array(10) as never)).toThrow(TypeError);
  });
});
