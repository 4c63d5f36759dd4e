// tls-pure's node:crypto provider loads liboqs's ML-KEM-768 (WebAssembly, ~12 MiB once per process)
// asynchronously after its first hybrid key exchanges, so with a few warm-up connections it could
// finish loading in the middle of a measurement (the memory benchmark counted its ~8.6 MiB of
// WebAssembly memory as ~8.6 KiB per connection in some rounds). The bench's children load it
// before they report ready, as a long-lived process has. The module is internal to tls-pure: this
// is the same file the package's entry point imports, so the same module instance.
import type { Engine } from './engines.js';

export async function preloadFor(engine: Engine): Promise<void> {
  if (engine !== 'pure' && engine !== 'pure-openssl-aead' && engine !== 'pure-x25519') return;
  const { loadWasmMlKem768 } = (await import(new URL('../../packages/tls-pure/dist/crypto/ml-kem.js', import.meta.url).href)) as { loadWasmMlKem768(): Promise<unknown> };
  await loadWasmMlKem768();
}
