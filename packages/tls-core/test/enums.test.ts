import { describe, expect, it } from 'vitest';
import {
  CipherSuite,
  DEFAULT_CIPHER_LIST,
  NextProtocol,
  TLSVersion,
  cipherSuiteName,
  compareTLSVersions,
  isCipherSuite,
  protocolBytes,
  protocolFromBytes,
} from '../src/mod.js';

describe('CipherSuite', () => {
  it('holds exactly the 15 PEP 748 suites by IANA id', () => {
    expect(Object.values(CipherSuite).sort((a, b) => a - b)).toEqual([
      0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcca8, 0xcca9,
    ]);
    expect(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256).toBe(0xcca9);
  });

  it('names known ids and prints others as hex', () => {
    expect(cipherSuiteName(0x1302)).toBe('TLS_AES_256_GCM_SHA384');
    expect(cipherSuiteName(0xc05d)).toBe('0xC05D');
    expect(isCipherSuite(0xc05d)).toBe(false);
    expect(isCipherSuite(0xc02f)).toBe(true);
  });

  it('DEFAULT_CIPHER_LIST is the PEP list, in order, and frozen', () => {
    expect(DEFAULT_CIPHER_LIST).toEqual([0xc02c, 0xc030, 0xc02b, 0xc02f, 0xcca9, 0xcca8]);
    expect(Object.isFrozen(DEFAULT_CIPHER_LIST)).toBe(true);
  });
});

describe('NextProtocol', () => {
  it('has the PEP ALPN ids', () => {
    expect(NextProtocol).toEqual({
      H2: 'h2',
      H2C: 'h2c',
      HTTP1: 'http/1.1',
      WEBRTC: 'webrtc',
      C_WEBRTC: 'c-webrtc',
      FTP: 'ftp',
      STUN: 'stun.nat-discovery',
      TURN: 'stun.turn',
    });
  });

  it('converts between names and wire bytes, keeping unknown ids raw', () => {
    expect([...protocolBytes('h2')]).toEqual([0x68, 0x32]);
    expect(protocolFromBytes(new Uint8Array([0x68, 0x32]))).toBe('h2');
    const raw = protocolFromBytes(new Uint8Array([0xff, 0x01]));
    expect(raw).toBeInstanceOf(Uint8Array);
    expect([...(raw as Uint8Array)]).toEqual([0xff, 0x01]);
  });
});

describe('TLSVersion', () => {
  it('orders MINIMUM_SUPPORTED < 1.2 < 1.3 < MAXIMUM_SUPPORTED', () => {
    const order = [TLSVersion.MINIMUM_SUPPORTED, TLSVersion.TLSv1_2, TLSVersion.TLSv1_3, TLSVersion.MAXIMUM_SUPPORTED];
    for (let i = 0; i < order.length - 1; i++) expect(compareTLSVersions(order[i]!, order[i + 1]!)).toBeLessThan(0);
    expect(TLSVersion.TLSv1_2).toBe('TLSv1.2');
  });
});

describe('enumeration objects', () => {
  it.each([
    ['CipherSuite', CipherSuite],
    ['NextProtocol', NextProtocol],
    ['TLSVersion', TLSVersion],
  ] as const)('%s is frozen: members cannot be changed or added at run time', (_, enumeration) => {
    expect(Object.isFrozen(enumeration)).toBe(true);
    const key = Object.keys(enumeration)[0]!;
    const before = (enumeration as Record<string, unknown>)[key];
    expect(() => {
      (enumeration as Record<string, unknown>)[key] = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (enumeration as Record<string, unknown>).EXTRA = 1;
    }).toThrow(TypeError);
    expect((enumeration as Record<string, unknown>)[key]).toBe(before);
  });
});
