/**
 * The PEP 748 statements issue #14 found broken at the API's edges (items 6, 7, 8, 9), on every
 * implementation: innerProtocols None/[] (no ALPN), descriptors built from empty material and
 * refused by the context and validateConfig, TLSImplementation as a run-time class, and contexts
 * whose configuration cannot be replaced at run time.
 */
import { describe, expect, it } from 'vitest';
import {
  Certificate,
  ConfigurationError,
  PrivateKey,
  SigningChain,
  TLSClientConfiguration,
  TLSImplementation,
  TLSServerConfiguration,
  TrustStore,
} from '@unitls/tls-core';
import { InsecureConfiguration, InsecureTLSImplementation } from '@unitls/insecure';
import { chainOf, clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { connectPair } from '../support/sockets.js';
import { conformanceImplementations as implementations } from './implementations.js';

const EMPTY_MATERIAL = () => [
  ['an empty trust store buffer', clientConfig({ trustStore: TrustStore.fromBuffer(new Uint8Array(0)) }), /TrustStore\.fromBuffer\(\) was given empty material/],
  ['an empty trust store path', clientConfig({ trustStore: TrustStore.fromFile('') }), /TrustStore\.fromFile\(\) was given an empty path/],
  [
    'an empty client certificate',
    clientConfig({ certificateChain: new SigningChain([Certificate.fromBuffer(''), PrivateKey.fromFile(pki.path('client', 'key'))]) }),
    /Certificate\.fromBuffer\(\) was given empty material/,
  ],
  [
    'an empty server key path',
    new TLSServerConfiguration({ certificateChain: [new SigningChain([Certificate.fromFile(pki.path('server-ec')), PrivateKey.fromFile('')])] }),
    /PrivateKey\.fromFile\(\) was given an empty path/,
  ],
  [
    'an empty intermediate',
    new TLSServerConfiguration({
      certificateChain: [new SigningChain([Certificate.fromFile(pki.path('server-ec')), PrivateKey.fromFile(pki.path('server-ec', 'key'))], [Certificate.fromBuffer(new Uint8Array(0))])],
    }),
    /Certificate\.fromBuffer\(\) was given empty material/,
  ],
  ['an empty id', clientConfig({ trustStore: TrustStore.fromId(new Uint8Array(0)) }), /TrustStore\.fromId\(\) was given an empty id/],
] as const;

describe.each(implementations.map((i) => [i.name, i] as const))('innerProtocols (%s)', (_, implementation) => {
  it.each([
    ['[] on both sides', [], []],
    ['null on the client, [] on the server', null, []],
    ['[] on the client, h2 on the server', [], ['h2']],
    ['h2 on the client, [] on the server', ['h2'], []],
  ] as const)('connects without ALPN with %s', async (_label, client, server) => {
    const pair = await connectPair(
      implementation,
      serverConfig('server-ec', { innerProtocols: server }),
      clientConfig({ innerProtocols: client }),
    );
    try {
      expect(pair.client.negotiatedProtocol()).toBeNull();
      expect(pair.server.negotiatedProtocol()).toBeNull();
      expect(pair.client.context.configuration.innerProtocols).toEqual(client ?? []);
    } finally {
      await pair.close();
    }
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('descriptors with empty material (%s)', (_, implementation) => {
  it.each(EMPTY_MATERIAL().map(([label, config, why]) => [label, config, why] as const))(
    'builds %s; validateConfig and the context refuse it with a clear ConfigurationError',
    (_label, config, why) => {
      expect(() => implementation.validateConfig(config)).toThrow(ConfigurationError);
      expect(() => implementation.validateConfig(config)).toThrow(why);
      const Context = (config instanceof TLSServerConfiguration ? implementation.serverContext : implementation.clientContext) as new (
        c: typeof config,
      ) => unknown;
      expect(() => new Context(config)).toThrow(ConfigurationError);
      expect(() => new Context(config)).toThrow(why);
    },
  );
});

describe.each(implementations.map((i) => [i.name, i] as const))('TLSImplementation (%s)', (_, implementation) => {
  it('is an instance of the run-time class, with read-only properties', () => {
    expect(implementation).toBeInstanceOf(TLSImplementation);
    for (const field of ['name', 'clientContext', 'serverContext', 'validateConfig', 'features']) {
      const before = (implementation as unknown as Record<string, unknown>)[field];
      expect(() => {
        (implementation as unknown as Record<string, unknown>)[field] = () => {};
      }).toThrow(TypeError);
      expect((implementation as unknown as Record<string, unknown>)[field]).toBe(before);
    }
    expect(() => implementation.validateConfig('not a configuration' as never)).toThrow(ConfigurationError);
  });

  it('wraps into an insecure implementation that is one too', () => {
    const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: false }));
    expect(insecure).toBeInstanceOf(TLSImplementation);
    expect(Object.isFrozen(insecure)).toBe(true);
    expect(insecure.features).toEqual(implementation.features);
    expect(() => insecure.validateConfig(clientConfig({ trustStore: TrustStore.fromFile('') }))).toThrow(ConfigurationError);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('run-time immutability (%s)', (_, implementation) => {
  it('refuses to replace a context’s configuration (client and server)', async () => {
    const client = new implementation.clientContext(clientConfig());
    const server = new implementation.serverContext(serverConfig());
    const other = new TLSClientConfiguration();
    for (const context of [client, server]) {
      const before = context.configuration;
      expect(() => {
        (context as { configuration: unknown }).configuration = other;
      }).toThrow(TypeError);
      expect(() => Object.defineProperty(context, 'configuration', { value: other })).toThrow(TypeError);
      expect(context.configuration).toBe(before);
      expect(Object.isFrozen(context)).toBe(true);
    }
    // A socket reports the configuration it was really made with.
    const pair = await connectPair(implementation, serverConfig(), clientConfig({ certificateChain: chainOf('client') }));
    try {
      expect(pair.client.context.configuration.certificateChain).not.toBeNull();
    } finally {
      await pair.close();
    }
  });

  it('refuses to replace an insecure context’s configuration', () => {
    const insecure = new InsecureTLSImplementation(implementation, new InsecureConfiguration({ disableHostnameCheck: true, disableVerification: true }));
    const context = new insecure.clientContext(clientConfig());
    expect(() => {
      (context as { configuration: unknown }).configuration = new TLSClientConfiguration();
    }).toThrow(TypeError);
    expect(() => {
      (context as { insecureConfiguration: unknown }).insecureConfiguration = null;
    }).toThrow(TypeError);
  });
});
