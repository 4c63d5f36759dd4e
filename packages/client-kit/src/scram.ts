/**
 * SCRAM (RFC 5802) for SCRAM-SHA-256 (RFC 7677), client side, without channel binding ("n,,").
 * The password never crosses the wire; the server must prove it knows it too (its signature is
 * checked with a constant-time comparison, and success without it is refused). The iteration
 * count the server asks for is capped, since each one costs the client a PBKDF2 round.
 *
 * @module
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type Saslprep from '@mongodb-js/saslprep';
import type { ErrorFamily } from './errors.js';
import type { Credentials, SaslMechanism } from './sasl.js';

/** RFC 7677 §4 asks servers for at least 4096; this bound keeps a hostile server from stalling us. */
export const DEFAULT_MAX_SCRAM_ITERATIONS = 100_000;

const GS2_HEADER = 'n,,';

/**
 * SASLprep (RFC 4013), loaded with the first SCRAM exchange, not with the import: its tables of
 * code points take ~1.9 MB of the heap of every process that imports a mail or FTP client (SMTP,
 * IMAP, POP3, FTP), and most never use SCRAM. That much in a small process's heap made V8 run a
 * full mark-compact every ~15-25 MB of freshly received memory in FTPS downloads (issue #16,
 * bench/RESULTS.md "FTPS download: the heap window"). It is a CommonJS package whose "require"
 * export is the same build the ESM wrapper re-exports.
 */
let saslprep: typeof Saslprep | undefined;
const loadSaslprep = (): typeof Saslprep => (saslprep ??= createRequire(import.meta.url)('@mongodb-js/saslprep') as typeof Saslprep);

function prepare(what: string, value: string, errors: ErrorFamily): string {
  try {
    return loadSaslprep()(value);
  } catch (cause) {
    throw errors.usage(`the ${what} is not allowed by SASLprep (RFC 4013): ${(cause as Error).message}`);
  }
}

/** RFC 5802 §5.1: "=" and "," in a user name are written =3D and =2C. */
const saslname = (name: string) => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

/** The attributes of a SCRAM message ("r=...,s=...,i=..."), in order. */
function attributes(message: string, errors: ErrorFamily): [string, string][] {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw errors.protocol(`malformed SCRAM message from the server: ${JSON.stringify(message.slice(0, 80))}`);
    return [part[0]!, part.slice(2)];
  });
}

/**
 * A SCRAM mechanism over `hash` ("sha256" for SCRAM-SHA-256).
 *
 * @throws the family's usage error when the user name or password is refused by SASLprep.
 */
export function scram(
  name: string,
  hash: 'sha256' | 'sha1' | 'sha512',
  credentials: Credentials,
  options: { errors: ErrorFamily; maxScramIterations?: number; nonce?: string },
): SaslMechanism {
  const { errors } = options;
  const maxIterations = options.maxScramIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS;
  const user = saslname(prepare('user name', credentials.user, errors));
  const password = prepare('password', credentials.password ?? '', errors);
  const nonce = options.nonce ?? randomBytes(24).toString('base64');
  const clientFirstBare = `n=${user},r=${nonce}`;
  const hmac = (key: Uint8Array, text: string) => createHmac(hash, key).update(text, 'utf8').digest();
  let step: 'start' | 'first' | 'final' | 'verify' | 'verified' | 'failed' = 'start';
  const clientFirst = () => {
    step = 'first';
    return Buffer.from(`${GS2_HEADER}${clientFirstBare}`, 'utf8');
  };
  let serverSignature: Buffer | null = null;

  const clientFinal = (serverFirst: string): string => {
    const attrs = attributes(serverFirst, errors);
    if (attrs[0]?.[0] === 'm') throw errors.protocol('the server asked for a SCRAM extension this client does not support');
    const [[r, serverNonce] = ['', ''], [s, salt64] = ['', ''], [i, count] = ['', '']] = attrs;
    if (r !== 'r' || s !== 's' || i !== 'i') throw errors.protocol('malformed SCRAM server-first-message: expected r=, s=, i=');
    if (!serverNonce.startsWith(nonce) || serverNonce.length === nonce.length || !/^[\x21-\x2b\x2d-\x7e]+$/.test(serverNonce)) {
      throw errors.protocol('the SCRAM server nonce does not extend ours; refusing to continue');
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(salt64)) throw errors.protocol('the SCRAM salt is not base64');
    const iterations = /^[1-9][0-9]{0,9}$/.test(count) ? Number(count) : NaN;
    if (!(iterations >= 1)) throw errors.protocol(`the SCRAM iteration count ${JSON.stringify(count)} is not a positive integer`);
    if (iterations > maxIterations) {
      throw errors.protocol(`the server asked for ${iterations} SCRAM iterations, more than the limit of ${maxIterations} (limits.maxScramIterations)`);
    }
    const salted = pbkdf2Sync(password, Buffer.from(salt64, 'base64'), iterations, createHash(hash).digest().length, hash);
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${serverNonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let k = 0; k < proof.length; k++) proof[k] = clientKey[k]! ^ clientSignature[k]!;
    serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  };

  const verify = (serverFinal: string): void => {
    const [[key, value] = ['', '']] = attributes(serverFinal, errors);
    if (key === 'e') {
      // The server refused us (e.g. invalid-proof); its failure reply follows.
      step = 'failed';
      return;
    }
    if (key !== 'v') throw errors.protocol('malformed SCRAM server-final-message: expected v= or e=');
    const got = Buffer.from(value, 'base64');
    if (got.length !== serverSignature!.length || !timingSafeEqual(got, serverSignature!)) {
      step = 'failed';
      throw errors.protocol('the server could not prove it knows the password (SCRAM server signature mismatch): possible impostor; connection not trusted');
    }
    step = 'verified';
  };

  return {
    name,
    initialResponse: clientFirst,
    respond(challenge) {
      // Without an initial response (IMAP without SASL-IR) the server starts with an empty challenge.
      if (step === 'start') return clientFirst();
      const text = Buffer.from(challenge).toString('utf8');
      if (step === 'first') {
        step = 'final';
        return Buffer.from(clientFinal(text), 'utf8');
      }
      if (step === 'final') {
        step = 'verify';
        verify(text);
        return new Uint8Array(0);
      }
      throw errors.protocol('the server sent a SCRAM challenge after the exchange ended');
    },
    complete(additionalData) {
      if (step === 'final' && additionalData !== undefined && additionalData.length > 0) verify(Buffer.from(additionalData).toString('utf8'));
      if (step !== 'verified') {
        throw errors.protocol('the server reported success without proving it knows the password (no valid SCRAM server signature); connection not trusted');
      }
    },
  };
}
