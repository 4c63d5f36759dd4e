import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/addon.js';
import { opensslVersion } from '../src/mod.js';

describe('the native addon', () => {
  it("drives the OpenSSL inside this node, not a second copy", () => {
    expect(opensslVersion).toContain(process.versions.openssl.replace(/\+.*$/, ''));
  });

  it('fails to load with one clear error naming the alternative', () => {
    expect(() => loadAddon('../build/Release/missing.node')).toThrow(/native addon is not built or cannot load.*Use @unitls\/tls-node instead/s);
  });
});
