/**
 * Importing client-kit (under every mail and FTP client) does not load SASLprep's code point tables
 * (~1.9 MB of heap, issue #16: in a small process that much kept FTPS downloads in V8's full
 * mark-compacts); the first SCRAM exchange does. Run in a fresh process: this one has loaded it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'src', file)).href);

/** Runs `body` (an ES module; tsx loads the .ts files it imports) in a new process; returns what it printed as JSON. */
function inFreshProcess(body: string): unknown {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', body], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout);
}

describe('SASLprep loads with the first SCRAM exchange, not with the import', () => {
  it('import of client-kit and a PLAIN exchange load none of it; SCRAM loads it and prepares as before', () => {
    const result = inFreshProcess(`
      import { createRequire } from 'node:module';
      // CommonJS modules loaded so far, from a require() or an import (Node's ESM loader fills this cache too).
      const cache = createRequire(import.meta.url).cache;
      const loaded = () => Object.keys(cache).some((path) => /node_modules[\\\\/]@mongodb-js[\\\\/]saslprep[\\\\/]/.test(path));
      const kit = await import(${src('mod.ts')});
      const afterImport = loaded();
      kit.mechanismFor('PLAIN', { user: 'user', password: 'pencil' }).initialResponse();
      const afterPlain = loaded();
      // RFC 4013 §3: SOFT HYPHEN maps to nothing, so "I\\u00ADX" prepares to "IX" (n=IX in client-first).
      const first = Buffer.from(kit.mechanismFor('SCRAM-SHA-256', { user: 'I\\u00ADX', password: 'pencil' }, { nonce: 'abc' }).initialResponse()).toString();
      let refused = null;
      try {
        kit.mechanismFor('SCRAM-SHA-256', { user: 'user', password: 'a\\uE000b' }, { nonce: 'abc' }).initialResponse();
      } catch (error) {
        refused = error.message;
      }
      console.log(JSON.stringify({ afterImport, afterPlain, afterScram: loaded(), first, refused }));
    `);
    expect(result).toEqual({ afterImport: false, afterPlain: false, afterScram: true, first: 'n,,n=IX,r=abc', refused: expect.stringContaining('SASLprep') });
  });
});
