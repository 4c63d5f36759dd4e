import { describe, expect, it } from 'vitest';
import { FTP, FTP_TLS, FTPUsageError } from '../src/mod.js';

describe('limits', () => {
  it.each([
    [{ maxListingSize: 0 }, /^FTP_TLS: limits.maxListingSize must be a positive integer \(a number, not a string\), got 0$/],
    [{ maxLineLength: -5 }, /limits.maxLineLength/],
    [{ maxReplySize: Number.NaN }, /limits.maxReplySize must be a positive integer \(a number, not a string\), got NaN$/],
    [{ maxReplySize: '8192' }, /limits.maxReplySize must be a positive integer \(a number, not a string\), got a string \('8192'\)$/],
    [{ maxListingSize: 1.5 }, /limits.maxListingSize/],
    [{ minTransferRate: -1 }, /^FTP_TLS: limits.minTransferRate must be a number of at least 0, got -1$/],
    [{ minTransferRate: '1024' }, /limits.minTransferRate must be a number of at least 0/],
  ])('refuses %o at construction', (limits, message) => {
    expect(() => new FTP({ limits } as never)).toThrow(FTPUsageError);
    expect(() => new FTP_TLS({ limits } as never)).toThrow(message);
  });

  it('folds the deprecated top-level maxLineLength and maxReplySize in, and accepts minTransferRate 0', () => {
    expect(() => new FTP({ maxLineLength: 0 })).toThrow(/^FTP: maxLineLength must be a positive integer/);
    expect(() => new FTP_TLS({ maxReplySize: '100' } as never)).toThrow(FTPUsageError);
    expect(() => new FTP({ limits: { minTransferRate: 0.5 } })).not.toThrow();
    expect(() => new FTP({ limits: { minTransferRate: 0, maxListingSize: 1 } })).not.toThrow();
  });
});
