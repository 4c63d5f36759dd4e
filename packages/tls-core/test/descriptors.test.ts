import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Certificate, ConfigurationError, PrivateKey, SigningChain, TrustStore } from '../src/mod.js';

describe('descriptors', () => {
  it('cannot be built empty', () => {
    expect(() => new (Certificate as unknown as new () => Certificate)()).toThrow(/Certificate needs material/);
    expect(() => new (PrivateKey as unknown as new () => PrivateKey)()).toThrow(ConfigurationError);
    expect(() => Certificate.fromBuffer(new Uint8Array(0))).toThrow(/empty/);
    expect(() => PrivateKey.fromBuffer('')).toThrow(/empty/);
    expect(() => Certificate.fromFile('')).toThrow(/file path/);
    expect(() => TrustStore.fromId('')).toThrow(/empty/);
  });

  it('TrustStore with nothing is the system store', () => {
    const store = new (TrustStore as unknown as new () => TrustStore)();
    expect(store.source.kind).toBe('system');
    expect(store.equals(TrustStore.system())).toBe(true);
  });

  it('copies buffers at construction and does not parse them', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const cert = Certificate.fromBuffer(bytes);
    bytes[0] = 9;
    expect([...cert.bytes()]).toEqual([1, 2, 3]);
    expect(Object.isFrozen(cert)).toBe(true);
  });

  it('reads files only when asked, with a clear error when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-'));
    const path = join(dir, 'c.pem');
    const cert = Certificate.fromFile(path);
    writeFileSync(path, 'PEM');
    expect(Buffer.from(cert.bytes()).toString()).toBe('PEM');
    expect(() => Certificate.fromFile(join(dir, 'missing.pem')).bytes()).toThrow(/cannot read .*missing\.pem/);
  });

  it('compares by source and kind of descriptor', () => {
    expect(Certificate.fromBuffer('a').equals(Certificate.fromBuffer('a'))).toBe(true);
    expect(Certificate.fromBuffer('a').equals(Certificate.fromBuffer('b'))).toBe(false);
    expect(Certificate.fromBuffer('a').equals(PrivateKey.fromBuffer('a'))).toBe(false);
    expect(Certificate.fromFile('/x').equals(Certificate.fromFile('/x'))).toBe(true);
    expect(Certificate.fromId('x').equals(Certificate.fromBuffer('x'))).toBe(false);
    expect(() => Certificate.fromId('hsm:1').bytes()).toThrow(/fromId/);
  });

  it('SigningChain validates its parts and allows a null key (key with the certificate)', () => {
    const cert = Certificate.fromBuffer('c');
    const chain = new SigningChain([cert, null], [Certificate.fromBuffer('i')]);
    expect(chain.leaf[1]).toBeNull();
    expect(chain.chain).toHaveLength(1);
    expect(chain.equals(new SigningChain([cert, null], [Certificate.fromBuffer('i')]))).toBe(true);
    expect(chain.equals(new SigningChain([cert, null]))).toBe(false);
    expect(() => new SigningChain([PrivateKey.fromBuffer('k'), null] as never)).toThrow(/leaf must be/);
    expect(() => new SigningChain([cert, cert] as never)).toThrow(/PrivateKey or null/);
    expect(() => new SigningChain([cert, null], ['x'] as never)).toThrow(/Certificates/);
  });
});
