import { describe, expect, it } from 'vitest';
import { FTP, FTP_TLS } from '../src/mod.js';

describe('limits', () => {
  it.each([
    [{ maxListingSize: 0 }, /limits.maxListingSize must be a number of at least 1, got 0/],
    [{ maxLineLength: -5 }, /limits.maxLineLength/],
    [{ maxReplySize: Number.NaN }, /limits.maxReplySize/],
    [{ minTransferRate: -1 }, /limits.minTransferRate must be a number of at least 0/],
  ])('refuses %o at construction', (limits, message) => {
    expect(() => new FTP({ limits })).toThrow(RangeError);
    expect(() => new FTP_TLS({ limits })).toThrow(message);
  });

  it('folds the deprecated top-level maxLineLength and maxReplySize in, and accepts minTransferRate 0', () => {
    expect(() => new FTP({ maxLineLength: 0 })).toThrow(/limits.maxLineLength/);
    expect(() => new FTP({ limits: { minTransferRate: 0, maxListingSize: 1 } })).not.toThrow();
  });
});
