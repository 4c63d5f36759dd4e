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
  checkConfiguration,
  configurationDescriptors,
  type ClientContext,
  type ServerContext,
} from '../src/mod.js';

class Client {
  constructor(readonly configuration: TLSClientConfiguration) {}
}
class Server {
  constructor(readonly configuration: TLSServerConfiguration) {}
}
const features = { buffer: false, raggedEOF: true, sessionResumption: false, verificationTime: false };
const hook = Symbol.for('unitls.test.hook');

function toy(validateConfig: (c: TLSClientConfiguration | TLSServerConfiguration) => void = () => {}) {
  return new TLSImplementation({
    name: 'toy',
    clientContext: Client as unknown as new (c: TLSClientConfiguration) => ClientContext,
    serverContext: Server as unknown as new (c: TLSServerConfiguration) => ServerContext,
    validateConfig,
    features,
    hooks: { [hook]: 'hooked' },
  });
}

describe('TLSImplementation', () => {
  it('exposes what it was given, read-only and frozen (PEP 748: read-only properties)', () => {
    const implementation = toy();
    expect(implementation).toBeInstanceOf(TLSImplementation);
    expect(implementation.name).toBe('toy');
    expect(implementation.clientContext).toBe(Client);
    expect(implementation.serverContext).toBe(Server);
    expect(implementation.features).toEqual(features);
    expect(Object.isFrozen(implementation)).toBe(true);
    expect(Object.isFrozen(implementation.features)).toBe(true);
    for (const field of ['name', 'clientContext', 'serverContext', 'validateConfig', 'features']) {
      expect(() => {
        (implementation as unknown as Record<string, unknown>)[field] = null;
      }).toThrow(TypeError);
    }
    expect(() => {
      (implementation.features as { buffer: boolean }).buffer = true;
    }).toThrow(TypeError);
    // Hooks are there for whoever knows the symbol, and invisible otherwise.
    expect((implementation as unknown as Record<symbol, unknown>)[hook]).toBe('hooked');
    expect(Object.keys(implementation)).toEqual(['name', 'clientContext', 'serverContext', 'validateConfig', 'features']);
  });

  it('copies features, so changing the object given later changes nothing', () => {
    const given = { ...features };
    const implementation = new TLSImplementation({ name: 'x', clientContext: Client as never, serverContext: Server as never, validateConfig: () => {}, features: given });
    given.buffer = true;
    expect(implementation.features.buffer).toBe(false);
  });

  it('runs the shared checks before the implementation’s own', () => {
    const seen: unknown[] = [];
    const implementation = toy((c) => seen.push(c));
    expect(() => implementation.validateConfig({} as never)).toThrow(/expected a TLSClientConfiguration or TLSServerConfiguration/);
    expect(() => implementation.validateConfig(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer('') }))).toThrow(
      /TrustStore\.fromBuffer\(\) was given empty material/,
    );
    expect(seen).toEqual([]);
    const fine = new TLSClientConfiguration();
    implementation.validateConfig(fine);
    expect(seen).toEqual([fine]);
  });

  it('refuses a malformed definition with a TypeError', () => {
    expect(() => new TLSImplementation({} as never)).toThrow(/name must be a non-empty string/);
    expect(() => new TLSImplementation({ name: 'x', clientContext: 1 } as never)).toThrow(/clientContext must be a function/);
    expect(
      () => new TLSImplementation({ name: 'x', clientContext: Client, serverContext: Server, validateConfig: () => {} } as never),
    ).toThrow(/features must be an object/);
  });
});

describe('checkConfiguration and configurationDescriptors', () => {
  const leaf = Certificate.fromBuffer('leaf');
  const key = PrivateKey.fromFile('');
  const intermediate = Certificate.fromBuffer('intermediate');
  const chain = new SigningChain([leaf, key], [intermediate]);

  it('lists every descriptor: leaf, key, intermediates, trust store', () => {
    const store = TrustStore.fromBuffer('anchors');
    expect(configurationDescriptors(new TLSClientConfiguration({ certificateChain: chain, trustStore: store }))).toEqual([leaf, key, intermediate, store]);
    expect(configurationDescriptors(new TLSServerConfiguration({ certificateChain: [chain, chain] }))).toHaveLength(6);
    expect(configurationDescriptors(new TLSClientConfiguration())).toEqual([]);
  });

  it('names the empty descriptor', () => {
    expect(() => checkConfiguration(new TLSServerConfiguration({ certificateChain: [chain] }))).toThrow(ConfigurationError);
    expect(() => checkConfiguration(new TLSServerConfiguration({ certificateChain: [chain] }))).toThrow(/PrivateKey\.fromFile\(\) was given an empty path/);
    expect(() => checkConfiguration(new TLSClientConfiguration({ trustStore: TrustStore.fromId(new Uint8Array(0)) }))).toThrow(/TrustStore\.fromId\(\) was given an empty id/);
  });
});
