import type { TLSImplementation } from '@unitls/tls-core';

/**
 * The implementations `--implementation` can name, by package. Each is imported only when asked
 * for: an implementation that cannot load on this runtime (a native addon on Bun or Deno, a
 * package not installed) never stops the others from working.
 */
export const IMPLEMENTATION_PACKAGES: Readonly<Record<string, string>> = {
  node: '@unitls/tls-node',
  openssl: '@unitls/tls-openssl',
  pure: '@unitls/tls-pure',
};

/** The implementation could not be loaded here (exit code 5). */
export class ImplementationUnavailableError extends Error {
  readonly code = 'UNITLS_CLI_IMPLEMENTATION_UNAVAILABLE';
  override name = 'ImplementationUnavailableError';
}

/**
 * Imports the implementation named `name` (a key of {@link IMPLEMENTATION_PACKAGES}).
 * @throws ImplementationUnavailableError when its package is missing or refuses to load here.
 */
export async function loadImplementation(name: string): Promise<TLSImplementation> {
  const specifier = IMPLEMENTATION_PACKAGES[name];
  if (specifier === undefined) throw new ImplementationUnavailableError(`unknown implementation "${name}" (known: ${Object.keys(IMPLEMENTATION_PACKAGES).join(', ')})`);
  let loaded: { implementation?: TLSImplementation };
  try {
    loaded = (await import(specifier)) as { implementation?: TLSImplementation };
  } catch (error) {
    throw new ImplementationUnavailableError(`implementation "${name}" (${specifier}) is not available here: ${(error as Error).message}`, { cause: error });
  }
  if (loaded.implementation === undefined) throw new ImplementationUnavailableError(`${specifier} exports no \`implementation\``);
  return loaded.implementation;
}
