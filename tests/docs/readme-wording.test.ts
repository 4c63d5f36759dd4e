/**
 * What the session-9 new-user trial tripped over in the READMEs, pinned: commands that fail as
 * written, a command that would run someone else's package, and output nobody can read without a
 * hint. Plain text checks over every README (a new package's README joins by itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readmes } from './examples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const texts = readmes(root).map((readme) => [readme, readFileSync(join(root, readme), 'utf8')] as const);

it('every --pack-destination folder is made first (npm pack does not create it: ENOENT)', () => {
  let seen = 0;
  for (const [readme, text] of texts) {
    for (const match of text.matchAll(/--pack-destination (\S+)/g)) {
      seen++;
      expect(text.slice(0, match.index), readme).toContain(`mkdir -p ${match[1]}`);
    }
  }
  expect(seen).toBeGreaterThan(0);
});

it('no command runs a bare `npx unitls` (npx would fetch the unclaimed registry name "unitls")', () => {
  for (const [readme, text] of texts) {
    for (const line of text.split('\n')) if (/^\s*npx unitls\b/.test(line)) expect.fail(`${readme}: ${line.trim()} (use npx -p @unitls/cli unitls)`);
  }
  expect(readFileSync(join(root, 'packages/cli/README.md'), 'utf8')).toContain('npx -p @unitls/cli unitls connect');
});

it('a README that prints cipher() says how to name the suite (cipherSuiteName)', () => {
  for (const [readme, text] of texts) if (/console\.log\([^)]*\.cipher\(\)/.test(text)) expect(text, readme).toContain('cipherSuiteName(');
});

it('the imap README says envelope subjects are RFC 2047 encoded-words and how to decode them', () => {
  const text = readFileSync(join(root, 'packages/imap/README.md'), 'utf8');
  expect(text).toMatch(/RFC 2047 encoded-words/);
  expect(text).toContain('libmime.decodeWords(');
});
