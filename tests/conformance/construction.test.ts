/**
 * PEP 748: "TLSSockets should not be constructed by the user" (issue #14 item 10), on every
 * implementation: the classes of the sockets (client, accepted, listening) and buffers a context
 * hands out refuse `new` with a TypeError that says where they come from, with no arguments and
 * with plausible ones, instead of returning a half-built object.
 */
import { describe, expect, it } from 'vitest';
import { clientConfig, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

type AnyConstructor = new (...args: unknown[]) => unknown;

/** The constructor of an object a context returned. */
const classOf = (object: object): AnyConstructor => object.constructor as AnyConstructor;

function expectRefused(Class: AnyConstructor, ...plausible: unknown[][]): void {
  for (const args of [[], ...plausible]) {
    expect(() => new Class(...args), `new ${Class.name}(${args.length} arguments)`).toThrow(TypeError);
    expect(() => new Class(...args)).toThrow(/construct|createBuffer|connect/i);
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('sockets and buffers come from contexts only (%s)', (_, implementation) => {
  it('refuses new on the classes of client, accepted and listening sockets', async () => {
    const pair = await connectPair(implementation, serverConfig(), clientConfig());
    try {
      const client = new implementation.clientContext(clientConfig());
      for (const socket of [pair.client, pair.server, pair.listener]) {
        expectRefused(classOf(socket), [Symbol('guess'), client, {}, null], [client, {}, null, 'localhost']);
      }
    } finally {
      await pair.close();
    }
  });
});

describe.each(implementations.filter((i) => i.features.buffer).map((i) => [i.name, i] as const))('buffers come from contexts only (%s)', (_, implementation) => {
  it('refuses new on the classes of client and server buffers', () => {
    const client = new implementation.clientContext(clientConfig());
    const server = new implementation.serverContext(serverConfig());
    for (const buffer of [client.createBuffer('localhost'), server.createBuffer()]) {
      expectRefused(classOf(buffer), [client, {}, null, 'localhost'], [server, {}, null, null], [Symbol('guess'), client, null]);
    }
  });
});
