import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { ADDON_PATH_VARIABLE, loadAddon } from '../src/addon.js';
import { opensslVersion } from '../src/mod.js';

describe('the native addon', () => {
  it('drives the OpenSSL inside this node, not a second copy', () => {
    expect(opensslVersion).toContain(process.versions.openssl.replace(/\+.*$/, ''));
  });

  it('fails to load with one ConfigurationError naming the alternative', () => {
    const attempt = () => loadAddon('../build/Release/missing.node');
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/native addon cannot load here.*Use @unitls\/tls-node/s);
  });

  it(`loads the file ${ADDON_PATH_VARIABLE} names (a sanitizer build), and refuses a file that is not the addon`, () => {
    expect(() => loadAddon('node:os')).toThrow(/not the tls-openssl addon/);
  });

  it('says "not available on this runtime" on Bun and Deno instead of loading', () => {
    for (const name of ['Bun', 'Deno']) {
      (globalThis as Record<string, unknown>)[name] = {};
      try {
        expect(() => loadAddon()).toThrow(ConfigurationError);
        expect(() => loadAddon()).toThrow(new RegExp(`not available on this runtime \\(${name}`));
      } finally {
        delete (globalThis as Record<string, unknown>)[name];
      }
    }
  });
});
