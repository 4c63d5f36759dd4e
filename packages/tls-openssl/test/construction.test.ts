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
