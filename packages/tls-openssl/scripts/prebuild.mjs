#!/usr/bin/env node
// Puts the addon into prebuilds/linux-x64/node.napi.glibc.node for the npm package (run by
// prepack). N-API keeps it loadable by every Node from 20 on; its OpenSSL symbols resolve to the
// OpenSSL 3 inside each of them. Reuses build/Release when it is newer than every source file.
// On any other platform it does nothing: installs there build from source (scripts/install.mjs).
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build-addon.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const glibc = typeof process.report?.getReport === 'function' && Boolean(process.report.getReport().header.glibcVersionRuntime);
if (process.platform !== 'linux' || process.arch !== 'x64' || !glibc) {
  console.log(`@unitls/tls-openssl: no prebuild for ${process.platform}-${process.arch}; installs there build from source`);
  process.exit(0);
}
const built = join(root, 'build', 'Release', 'tls_openssl.node');
const sources = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'native')).map((file) => join(root, 'native', file))];
const fresh = existsSync(built) && sources.every((file) => statSync(file).mtimeMs <= statSync(built).mtimeMs);
if (!fresh && !build()) {
  console.error('@unitls/tls-openssl: cannot build the prebuild');
  process.exit(1);
}
const target = join(root, 'prebuilds', 'linux-x64');
mkdirSync(target, { recursive: true });
// Copied under a private name, then renamed: two packs at once (the packed-install test beside
// tls-openssl's install test) must never see or ship a half-written addon.
const partial = join(target, `.node.napi.glibc.node.${process.pid}`);
copyFileSync(built, partial);
renameSync(partial, join(target, 'node.napi.glibc.node'));
console.log('@unitls/tls-openssl: prebuilds/linux-x64/node.napi.glibc.node');
