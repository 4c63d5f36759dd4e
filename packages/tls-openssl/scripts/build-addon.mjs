#!/usr/bin/env node
// Builds the addon (build/Release/tls_openssl.node) against the headers of the running Node,
// which carry its OpenSSL headers, so node-gyp never downloads anything and no second OpenSSL is
// linked. node-gyp is npm's own (npm_config_node_gyp, set for install scripts) or an installed one.
// Exit status: 0 built, 1 failed; `--check` only says (exit 0/1) whether building is possible here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Why the addon cannot be built here, or null when it can. */
export function cannotBuild() {
  const nodedir = resolve(dirname(process.execPath), '..');
  if (!existsSync(join(nodedir, 'include', 'node', 'openssl', 'ssl.h'))) return `Node's OpenSSL headers are missing (${join(nodedir, 'include', 'node', 'openssl')})`;
  const onPath = (name) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
  const missing = [];
  if (!['cc', 'gcc', 'clang'].some(onPath)) missing.push('a C compiler (cc, gcc or clang)');
  if (!onPath('make')) missing.push('make');
  if (!['python3', 'python'].some(onPath)) missing.push('Python 3');
  if (nodeGyp() === null) missing.push('node-gyp');
  return missing.length === 0 ? null : `missing on PATH: ${missing.join(', ')}`;
}

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

/** Builds into build/Release; returns whether it worked. */
export function build({ quiet = false } = {}) {
  const why = cannotBuild();
  if (why !== null) {
    console.error(`@unitls/tls-openssl: cannot build the addon: ${why}`);
    return false;
  }
  const nodedir = resolve(dirname(process.execPath), '..');
  const result = spawnSync(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodedir}`], { stdio: quiet ? 'ignore' : 'inherit', cwd: root });
  return result.status === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const why = cannotBuild();
    if (why !== null) console.error(why);
    process.exit(why === null ? 0 : 1);
  }
  process.exit(build() ? 0 : 1);
}
