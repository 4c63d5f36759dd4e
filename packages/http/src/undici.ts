/**
 * undici itself. Bun answers `import 'undici'` with a stand-in of its own whose Agent ignores the
 * `connect` function (so a dispatcher made here would silently use Bun's TLS, not the caller's
 * implementation and trust store) and has no `close`; the real package, loaded by its file path,
 * runs there. When neither is usable, fetch and createDispatcher refuse with a ConfigurationError
 * instead of connecting some other way.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '@unitls/tls-core';
import * as imported from 'undici';

type Undici = typeof imported;

/** Whether `module` is undici proper: its Agent dispatches through the connector it is given. */
function isReal(module: Partial<Undici> | undefined): module is Undici {
  const agent = module?.Agent as { prototype?: { dispatch?: unknown; close?: unknown } } | undefined;
  return typeof agent?.prototype?.dispatch === 'function' && typeof agent.prototype.close === 'function' && typeof module?.fetch === 'function';
}

/** The undici package on disk, by path: what `import 'undici'` would be without the runtime's replacement. */
function loadFromDisk(): Undici {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('undici/package.json');
  const { main = 'index.js' } = require(manifest) as { main?: string };
  return require(join(dirname(manifest), main)) as Undici;
}

/**
 * Chooses undici: `imported` when it is the real package, else what `fromDisk` loads; a
 * ConfigurationError (returned, for the caller to throw) when neither is.
 */
export function chooseUndici<T extends Partial<Undici>>(imported: T, fromDisk: () => T, runtime: string): T | ConfigurationError {
  if (isReal(imported)) return imported;
  try {
    const loaded = fromDisk();
    if (!isReal(loaded)) throw new Error('its Agent has no dispatch() and close()');
    return loaded;
  } catch (error) {
    return new ConfigurationError(
      `@unitls/http cannot run fetch on ${runtime}: \`import 'undici'\` gives the runtime's own replacement, whose Agent ignores the unitls connector (fetch would bypass the TLS implementation and its trust store), and the undici package could not be loaded from disk instead (${error instanceof Error ? error.message : String(error)}); install undici beside @unitls/http, or use HTTPSConnection`,
      { cause: error },
    );
  }
}

/** The runtime, for messages: Bun replaces undici; name it when it is Bun. */
function runtimeName(): string {
  const bun = (globalThis as { Bun?: { version?: string } }).Bun;
  return bun === undefined ? 'this runtime' : `Bun ${bun.version ?? ''}`.trim();
}

let loaded: Undici | ConfigurationError | null = null;

/**
 * undici, the real one.
 *
 * @throws ConfigurationError when the runtime replaced `undici` and the package cannot be loaded
 *   from disk (fetch would otherwise bypass the TLS implementation and its trust store).
 */
export function undici(): Undici {
  loaded ??= chooseUndici(imported, loadFromDisk, runtimeName());
  if (loaded instanceof ConfigurationError) throw loaded;
  return loaded;
}
