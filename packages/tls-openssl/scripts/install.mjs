#!/usr/bin/env node
// The package's install step. It never fails the install: it uses the prebuilt addon shipped for
// this platform (prebuilds/, linux-x64 glibc) when it loads, builds from source when it cannot and
// a compiler is there (always in a source checkout, or with --build-from-source), and otherwise
// says what is missing: importing the package then throws a ConfigurationError saying the same.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, cannotBuild } from './build-addon.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`@unitls/tls-openssl: ${line}`);

/** The prebuilt addon node-gyp-build picks for this platform, when one ships and loads. */
function loadablePrebuild() {
  let path;
  try {
    const load = createRequire(import.meta.url)('node-gyp-build');
    path = load.path(root);
  } catch {
    return null;
  }
  if (!path.includes(`${join(root, 'prebuilds')}`)) return null;
  // In a child process: a broken binary must not take the install down with it.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)})`], { stdio: 'ignore' });
  return probe.status === 0 ? path : null;
}

// A source checkout (the tests are there) always builds, so C changes are never shadowed.
const fromSource = existsSync(join(root, 'test')) || process.env.npm_config_build_from_source === 'true';
const prebuild = fromSource ? null : loadablePrebuild();
if (prebuild !== null) {
  say(`using the prebuilt addon ${prebuild.slice(root.length + 1)}`);
} else {
  const why = cannotBuild();
  if (why === null && build()) {
    say('built the addon from source');
  } else {
    say(
      `no prebuilt addon for ${process.env.npm_config_platform || process.platform}-${process.env.npm_config_arch || process.arch} and no build (${why ?? 'the build failed'}). ` +
        'The package is installed, but importing it throws a ConfigurationError until a build works ' +
        '(install a C compiler, make and Python 3, then `npm rebuild @unitls/tls-openssl`). @unitls/tls-node needs none of this.',
    );
  }
}
process.exit(0);
