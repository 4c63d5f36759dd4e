#!/usr/bin/env node
// Removes build outputs whose source is gone (packages/*/dist/X.js, .d.ts and their maps without a
// packages/*/src/X.ts), so `npm run pack` never ships them. tsc -b builds incrementally and never
// deletes the outputs of a deleted or moved source, and turbo's cache brings them back on a hit;
// a fresh clone has none. Every package compiles src/ to dist/ (rootDir src, outDir dist).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages/', import.meta.url));
const OUTPUT = /\.(js|d\.ts)(\.map)?$/;

for (const name of readdirSync(packages)) {
  const dist = join(packages, name, 'dist');
  if (!existsSync(dist)) continue;
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!OUTPUT.test(file)) continue;
    const source = join(packages, name, 'src', file.replace(OUTPUT, '.ts'));
    if (existsSync(source)) continue;
    rmSync(join(dist, file));
    console.log(`removed ${relative(packages, join(dist, file))} (no src/${relative(join(packages, name, 'src'), source)})`);
  }
}
