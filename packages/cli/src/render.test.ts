import { describe, expect, it } from 'vitest';
import { servernameHint } from './render.js';

describe('servernameHint (the hostname-mismatch advice)', () => {
  it('offers --servername with a name the certificate carries', () => {
    expect(servernameHint(['DNS:wrong.example', 'IP:127.0.0.1'])).toBe('if this is the right server under another name, connect by that name or verify it with --servername wrong.example');
  });

  it('skips wildcard names (not a name to send), and says NAME when none is left', () => {
    expect(servernameHint(['DNS:*.example.org', 'DNS:example.org'])).toMatch(/--servername example\.org$/);
    expect(servernameHint(['DNS:*.example.org', 'IP:10.0.0.1'])).toMatch(/--servername NAME$/);
    expect(servernameHint([])).toMatch(/--servername NAME$/);
  });
});
