import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@unitls/tls-core';
import { ADDON_ABI, ADDON_EXPORTS, ADDON_PATH_VARIABLE, addon, loadAddon } from '../src/addon.js';
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

  it('names what a build from another version lacks and how to rebuild it (was "Cannot read properties of undefined" at the first call)', () => {
    // The exports of the build before 53efb20 (no state array) and before readInto.
    const folder = mkdtempSync(join(tmpdir(), 'stale-addon-'));
    const stale = ADDON_EXPORTS.filter((name) => name !== 'state' && name !== 'readInto');
    const file = join(folder, 'stale.cjs');
    writeFileSync(file, stale.map((name) => `exports.${name} = function () {};`).join('\n'));
    try {
      const attempt = () => loadAddon(file);
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow('built from another version of this package (it lacks readInto, state); rebuild it: `npm rebuild @unitls/tls-openssl`');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a build with every export but another interface version (C changed under the same names), with the rebuild command', () => {
    const folder = mkdtempSync(join(tmpdir(), 'other-abi-addon-'));
    const file = join(folder, 'other-abi.cjs');
    const exports = ADDON_EXPORTS.filter((name) => name !== 'abi').map((name) => `exports.${name} = function () {};`);
    writeFileSync(file, [...exports, `exports.abi = ${ADDON_ABI - 1};`].join('\n'));
    try {
      const attempt = () => loadAddon(file);
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(
        `built from another version of this package (its interface version is ${ADDON_ABI - 1}, this package's is ${ADDON_ABI}); rebuild it: \`npm rebuild @unitls/tls-openssl\``,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('the build of this checkout has every export the JavaScript side uses, and its interface version', () => {
    expect(ADDON_EXPORTS.filter((name) => (addon as unknown as Record<string, unknown>)[name] === undefined)).toEqual([]);
    expect(addon.abi).toBe(ADDON_ABI);
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
