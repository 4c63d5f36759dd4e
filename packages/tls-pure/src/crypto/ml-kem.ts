/**
 * ML-KEM-768 (FIPS 203) for X25519MLKEM768, from one of two builds:
 * - @noble/post-quantum's JavaScript: always there, and the @noble provider's only one;
 * - the Open Quantum Safe project's liboqs compiled to WebAssembly (@oqs/liboqs-js), for the
 *   node:crypto provider (Node 20 has no ML-KEM of its own): about 8x less CPU per handshake.
 *   WebAssembly only loads asynchronously and the PEP's TLSBuffer is synchronous, so the provider
 *   uses @noble's until it is ready; if it cannot load (no WebAssembly, the package missing),
 *   @noble's stays. Loading costs about 40 ms of CPU and 12 MiB once and saves about 1.5 ms per
 *   handshake end, so a client starts it after the process's first {@link LOAD_AFTER} hybrid key
 *   exchanges (a CLI or a script making a few connections never pays for it), a server at its first.
 *
 * Both give byte-identical keys, ciphertexts and shared secrets from the same randomness
 * (test/ml-kem.test.ts), so which one a connection used is never visible on the wire.
 *
 * @module
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/** ML-KEM-768's encapsulation key length in bytes (FIPS 203 Table 3). */
export const ML_KEM_768_EK = 1184;
/** ML-KEM-768's ciphertext length in bytes (FIPS 203 Table 3). */
export const ML_KEM_768_CT = 1088;

/** A key pair whose decapsulation key stays inside: usable once, then wiped. */
export interface MlKemKeyPair {
  /** The encapsulation key (1184 bytes). */
  readonly encapsulationKey: Uint8Array;
  /**
   * The 32-byte shared secret of a 1088-byte ciphertext (a wrong ciphertext gives FIPS 203's
   * implicit-rejection secret, never an error). Wipes the decapsulation key: call it once.
   */
  decapsulate(cipherText: Uint8Array): Uint8Array;
}

/** ML-KEM-768 as the hybrid key exchange uses it. */
export interface MlKem768 {
  /** Where it comes from, for diagnostics and tests. */
  readonly name: string;
  /** A fresh key pair from the build's random source. */
  generate(): MlKemKeyPair;
  /**
   * A fresh shared secret (32 bytes) and its ciphertext (1088 bytes) for `encapsulationKey`.
   *
   * @throws RangeError when the key fails FIPS 203 §7.2's input check (a coefficient not below q).
   */
  encapsulate(encapsulationKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
}

/** The byte-key operations of one ML-KEM-768 build. */
interface ByteKeyKem {
  keygen(): { publicKey: Uint8Array; secretKey: Uint8Array };
  encapsulate(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

/** An {@link MlKem768} over a build with byte keys: each decapsulation key wiped after its one use. */
function withKeyPairs(name: string, kem: ByteKeyKem): MlKem768 {
  return Object.freeze({
    name,
    generate(): MlKemKeyPair {
      const { publicKey, secretKey } = kem.keygen();
      return {
        encapsulationKey: publicKey,
        decapsulate(cipherText: Uint8Array) {
          try {
            return kem.decapsulate(cipherText, secretKey);
          } finally {
            secretKey.fill(0);
          }
        },
      };
    },
    encapsulate(encapsulationKey: Uint8Array) {
      try {
        return kem.encapsulate(encapsulationKey);
      } catch (cause) {
        throw new RangeError("the ML-KEM-768 encapsulation key fails FIPS 203's modulus check (§7.2)", { cause });
      }
    },
  });
}

/** @noble/post-quantum's ML-KEM-768 (JavaScript). */
export const nobleMlKem768: MlKem768 = withKeyPairs('@noble/post-quantum', {
  keygen: () => ml_kem768.keygen(),
  encapsulate: (publicKey) => ml_kem768.encapsulate(publicKey),
  decapsulate: (cipherText, secretKey) => ml_kem768.decapsulate(cipherText, secretKey),
});

/** The part of @oqs/liboqs-js's MLKEM768 class used here (its public API). */
interface OqsMlKem768 {
  generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array };
  encapsulate(publicKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

const fromOqs = (kem: OqsMlKem768): MlKem768 =>
  withKeyPairs('liboqs (WebAssembly)', {
    keygen: () => kem.generateKeyPair(),
    encapsulate(publicKey) {
      // liboqs's ML-KEM (mlkem-native) runs the same §7.2 check; its wrapper throws on the error code.
      const { ciphertext, sharedSecret } = kem.encapsulate(publicKey);
      return { cipherText: ciphertext, sharedSecret };
    },
    decapsulate: (cipherText, secretKey) => kem.decapsulate(cipherText, secretKey),
  });

/** Hybrid key exchanges served by @noble's build before liboqs's starts loading. */
export const LOAD_AFTER = 4;

let wasm: MlKem768 | null = null;
let loading: Promise<MlKem768 | null> | null = null;
let failed = false;
let uses = 0;

/** Where liboqs's build is: not asked for yet, loading, ready, or failed to load (for tests and diagnostics). */
export function wasmMlKem768State(): 'idle' | 'loading' | 'ready' | 'failed' {
  if (wasm !== null) return 'ready';
  if (failed) return 'failed';
  return loading === null ? 'idle' : 'loading';
}

/**
 * Loads liboqs's ML-KEM-768 once (later calls return the same promise). Resolves to null when it
 * cannot load; never rejects.
 */
export function loadWasmMlKem768(): Promise<MlKem768 | null> {
  // Checked first: without WebAssembly (node --jitless, some sandboxes) liboqs's Emscripten loader
  // prints its failure to stderr before rejecting. An optional dependency: absent (npm
  // --engine-strict on Node 20 skips it: it declares node >= 22), @noble's build serves.
  loading ??= ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined ? Promise.reject(new Error('no WebAssembly')) : import('@oqs/liboqs-js/kem'))
    .then((oqs) => oqs.createMLKEM768())
    .then(
      (kem) => (wasm = fromOqs(kem)),
      () => {
        failed = true;
        return null;
      },
    );
  return loading;
}

/**
 * The fastest ML-KEM-768 ready now: liboqs's once loaded, @noble's before. For the node:crypto
 * provider. `server`: a server's first call starts loading liboqs's at once (a process that accepts
 * connections is long-lived); a client's call after {@link LOAD_AFTER} of them does.
 */
export function fastestMlKem768(server = false): MlKem768 {
  if (wasm !== null) return wasm;
  if (server || ++uses > LOAD_AFTER) void loadWasmMlKem768();
  return nobleMlKem768;
}
