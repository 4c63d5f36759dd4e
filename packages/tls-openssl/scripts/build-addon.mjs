#!/usr/bin/env node
// Builds the addon against the headers of the running Node (which carry its OpenSSL headers), so
// node-gyp never downloads anything and no second OpenSSL is linked.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const nodedir = resolve(dirname(process.execPath), '..');
const header = join(nodedir, 'include', 'node', 'openssl', 'ssl.h');
if (!existsSync(header)) {
  console.error(`@unitls/tls-openssl: cannot build: Node's OpenSSL headers are missing (${header}). Use @unitls/tls-node instead.`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { stdio: 'inherit', cwd: resolve(dirname(new URL(import.meta.url).pathname), '..') });
process.exit(result.status ?? 1);
