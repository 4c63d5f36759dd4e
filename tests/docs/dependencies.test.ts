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
