/**
 * What a user's install gets (issue #19): ranges, not exact pins, so a consumer's tree holds one
 * copy of each dependency (nodemailer, undici, the @unitls packages themselves), and an honest
 * engines field on every published package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifests = readdirSync(join(root, 'packages')).map((name) => ({
  name,
  manifest: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<string, unknown>,
}));

it.each(manifests.map((m) => [m.name, m.manifest] as const))('packages/%s: dependency ranges, not exact pins; engines node >= 20.19', (_, manifest) => {
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
    for (const [dependency, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
      expect(range, `${field}.${dependency}`).not.toMatch(/^\d+\.\d+\.\d+$/);
    }
  }
  expect(manifest.engines).toEqual({ node: '>=20.19' });
});

it("the repository's allowScripts decides every installed dependency's install script (npm 11 warns otherwise, and the README says `npm ci` here ends without that warning)", () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([path, entry]) => entry.hasInstallScript === true && path.includes('node_modules/'))
    .map(([path, entry]) => `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`);
  expect(withScripts.length).toBeGreaterThan(0);
  expect(Object.keys(manifest.allowScripts ?? {}).sort()).toEqual([...new Set(withScripts)].sort());
});
