import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Certificate, ConfigurationError, PrivateKey, SigningChain, TrustStore, emptyMaterial } from '../src/mod.js';

describe('descriptors', () => {
  it('cannot be built with nothing at all', () => {
    expect(() => new (Certificate as unknown as new () => Certificate)()).toThrow(/Certificate needs material/);
    expect(() => new (PrivateKey as unknown as new () => PrivateKey)()).toThrow(ConfigurationError);
  });

  it('are built from empty material (PEP 748: no parsing at construction), which reading refuses', () => {
    const empty = [
      Certificate.fromBuffer(new Uint8Array(0)),
      Certificate.fromBuffer(''),
      Certificate.fromFile(''),
      Certificate.fromId(new Uint8Array(0)),
      PrivateKey.fromBuffer(''),
      PrivateKey.fromFile(''),
      PrivateKey.fromId(''),
      TrustStore.fromBuffer(new Uint8Array(0)),
      TrustStore.fromFile(''),
      TrustStore.fromId(''),
    ];
    for (const descriptor of empty) {
      expect(emptyMaterial(descriptor.constructor.name, descriptor.source)).toMatch(/empty/);
      expect(() => descriptor.bytes()).toThrow(ConfigurationError);
    }
    expect(() => Certificate.fromBuffer('').bytes()).toThrow(/Certificate\.fromBuffer\(\) was given empty material/);
    expect(() => TrustStore.fromFile('').bytes()).toThrow(/TrustStore\.fromFile\(\) was given an empty path/);
    expect(emptyMaterial('TrustStore', TrustStore.system().source)).toBeNull();
    expect(emptyMaterial('Certificate', Certificate.fromBuffer('x').source)).toBeNull();
  });

  it('refuses material of the wrong type', () => {
    expect(() => Certificate.fromBuffer(42 as never)).toThrow(/expected a Uint8Array/);
    expect(() => Certificate.fromFile(null as never)).toThrow(/expected a file path/);
    expect(() => Certificate.fromId({} as never)).toThrow(/expected the id/);
  });

  it('refuses an empty file when it is read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitls-')), 'empty.pem');
    writeFileSync(path, '');
    expect(() => Certificate.fromFile(path).bytes()).toThrow(/is empty/);
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
    expect(() => new SigningChain([cert, null], 5 as never)).toThrow(/chain must be a list/);
  });
});
