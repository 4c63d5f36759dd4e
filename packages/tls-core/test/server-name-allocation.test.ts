// What parseServerName allocates per call (every connect() and every client's name check runs it):
// V8's sampling heap profiler, objects collected since included, over many calls. The old
// character check (before 234a22e) evaluated a regular expression literal per character, a new RegExp object each
// time: ~1.5 KiB for a 16-character name, where the result, the lower-cased name and its labels
// take a few hundred bytes.
import { describe, expect, it } from 'vitest';
import { sampleAllocations, totalBytes } from '../../../tests/support/heap-sampling.js';
import { ConfigurationError, parseServerName } from '../src/mod.js';

/** Bytes of JavaScript heap `work` allocates, collected or not (sampled every 64 bytes on average). */
const allocatedBy = async (work: () => void): Promise<number> => totalBytes(await sampleAllocations(work, 64));

describe('parseServerName allocation', () => {
  it('allocates no object per character of a DNS name', async () => {
    const CALLS = 20_000;
    const name = 'mail.example.com';
    parseServerName(name); // compiled before measuring
    const bytes = await allocatedBy(() => {
      for (let i = 0; i < CALLS; i++) parseServerName(name, 'test');
    });
    // The frozen result, the lower-cased name, its labels and their array: ~250 bytes. The old
    // code: ~1,800 (a RegExp per character).
    expect(bytes / CALLS).toBeLessThan(600);
  });

  it('accepts and refuses every ASCII character as before', () => {
    for (let code = 0; code < 0x80; code++) {
      const char = String.fromCharCode(code);
      const before = code >= 0x20 && code !== 0x7f && /[A-Za-z0-9._-]/.test(char);
      let accepted: boolean;
      try {
        parseServerName(`a${char}b.example`, 'test');
        accepted = true;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        accepted = false;
      }
      // "." in the middle makes an empty label nowhere; every accepted character keeps the name valid.
      expect([code, accepted]).toEqual([code, before]);
    }
  });
});
