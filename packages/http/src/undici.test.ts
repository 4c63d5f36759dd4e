/**
 * Which undici fetch runs on (issue #19 'Also'): Bun answers `import 'undici'` with a stand-in whose
 * Agent ignores the connector and has no close(); the real package is then loaded from disk, and
 * when that fails too, fetch refuses with a ConfigurationError instead of bypassing unitls. The
 * stand-in below has Bun's shape (an Agent class with no methods; measured on Bun 1.4.5).
 */
import { ConfigurationError } from '@unitls/tls-core';
import * as real from 'undici';
import { describe, expect, it } from 'vitest';
import { chooseUndici } from './undici.js';

class StandInAgent {}
const standIn = { Agent: StandInAgent, fetch: globalThis.fetch } as unknown as Partial<typeof real>;

describe('chooseUndici', () => {
  it('takes the imported package when it is undici', () => {
    expect(chooseUndici(real, () => { throw new Error('not asked'); }, 'Node')).toBe(real);
  });

  it("loads undici from disk when the runtime's stand-in was imported", () => {
    expect(chooseUndici(standIn, () => real, 'Bun 1.4.5')).toBe(real);
  });

  it('refuses with a ConfigurationError naming the runtime when undici cannot be loaded from disk', () => {
    const missing = Object.assign(new Error("Cannot find module 'undici/package.json'"), { code: 'MODULE_NOT_FOUND' });
    const chosen = chooseUndici(standIn, () => { throw missing; }, 'Bun 1.4.5');
    expect(chosen).toBeInstanceOf(ConfigurationError);
    expect((chosen as Error).message).toMatch(/cannot run fetch on Bun 1\.4\.5: .*ignores the unitls connector.*Cannot find module/);
    expect((chosen as Error).cause).toBe(missing);
  });

  it('refuses when what loads from disk is a stand-in too', () => {
    expect(chooseUndici(standIn, () => standIn, 'Bun 1.4.5')).toBeInstanceOf(ConfigurationError);
  });
});
