#!/usr/bin/env node
// Builds the addon a second time with AddressSanitizer (build-asan/, apart from the normal build)
// and runs the package's in-memory buffer tests on it: node starts with the ASan runtime preloaded
// (node itself is not instrumented, so the runtime must come first) and leak detection off (V8
// and OpenSSL keep allocations until exit by design). Any heap overflow, use-after-free or
// double free in native/ aborts the test process and fails this script.
//
// Usage: node scripts/asan.mjs [vitest test files...]   (CI: .ci/run calls it once)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nodedir = resolve(dirname(process.execPath), '..');
const headers = join(nodedir, 'include', 'node');
const compiler = process.env.CC ?? 'gcc';
const fail = (message) => {
  console.error(`asan: ${message}`);
  process.exit(1);
};

if (!existsSync(join(headers, 'openssl', 'ssl.h'))) fail(`Node's OpenSSL headers are missing (${headers}/openssl)`);
let runtime;
try {
  runtime = execFileSync(compiler, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
} catch (cause) {
  fail(`no ${compiler} to build with (${cause.message})`);
}
if (!existsSync(runtime)) fail(`the ASan runtime ${runtime} is missing (Debian: apt-get install libasan8, or gcc's package)`);

const out = join(root, 'build-asan');
mkdirSync(out, { recursive: true });
const addon = join(out, 'tls_openssl.node');
const sources = readdirSync(join(root, 'native'))
  .filter((file) => file.endsWith('.c'))
  .map((file) => join(root, 'native', file));
const flags = [
  ...['-shared', '-fPIC', '-pthread', '-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=address', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror'],
  ...['-DNODE_GYP_MODULE_NAME=tls_openssl', '-DOPENSSL_API_COMPAT=30000', '-DOPENSSL_NO_DEPRECATED', '-DOPENSSL_THREADS', '-DOPENSSL_NO_PINSHARED'],
  `-I${headers}`,
  '-Wl,-z,now',
];
const build = spawnSync(compiler, [...flags, ...sources, '-o', addon], { stdio: 'inherit' });
if (build.status !== 0) fail('the ASan build failed');
const needed = execFileSync('readelf', ['-d', addon], { encoding: 'utf8' });
if (!/libasan/.test(needed)) fail('the build does not link the ASan runtime');

const tests = process.argv.slice(2);
const files = tests.length > 0 ? tests : ['test/limits.test.ts', 'test/native-errors.test.ts', 'test/server-name.test.ts', 'test/construction.test.ts', 'test/read-path.property.test.ts', 'test/addon.test.ts', 'test/aead.test.ts'];
const vitest = join(root, '..', '..', 'node_modules', 'vitest', 'vitest.mjs');
const env = {
  ...process.env,
  LD_PRELOAD: runtime,
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1:strict_string_checks=1',
  UNITLS_TLS_OPENSSL_ADDON: addon,
};
console.log(`asan: ${addon} (runtime ${runtime}) over ${files.join(' ')}`);
// ASan's allocator and checks make everything a few times slower: generous per-test bounds.
const run = spawnSync(process.execPath, [vitest, 'run', '--testTimeout=180000', ...files], { cwd: root, env, stdio: 'inherit' });
process.exit(run.status ?? 1);
