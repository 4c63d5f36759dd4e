/**
 * POP3 AUTH (RFC 5034) over the kit's SASL mechanisms: AUTH with the initial response when it
 * fits the 255-octet command line (else it answers the first, empty challenge), one line per
 * "+ " challenge, then +OK. A malformed challenge, or a SCRAM server that cannot prove it knows
 * the password, closes the connection: nothing from that server can be trusted.
 *
 * @module
 */
import { credentialsAdvice, decodeSasl, encodeSasl, mechanismFor, type Credentials } from '@unitls/client-kit';
import { POP3AuthenticationError, POP3ProtocolError, POP3ReplyError, POP3UsageError, popErrors } from './errors.js';
import type { POP3ClientLimits } from './options.js';
import type { Session } from './session.js';

/** The most challenges answered in one exchange (SCRAM needs 2). */
const MAX_ROUNDS = 10;
/** RFC 5034 §4: an AUTH command with its initial response is at most 255 octets. */
const MAX_AUTH_LINE = 255;

/**
 * Runs one AUTH exchange with `mechanism`; returns the +OK text.
 *
 * @throws POP3AuthenticationError (-ERR: refused, naming the mechanism and what to do), POP3UsageError (unknown mechanism, NUL in a credential),
 *   POP3ProtocolError (malformed challenge, unproven SCRAM server; connection closed).
 */
export async function authenticate(session: Session, mechanism: string, credentials: Credentials, limits: POP3ClientLimits | undefined, signal: AbortSignal | undefined): Promise<string> {
  const maxScramIterations = limits?.maxScramIterations;
  const sasl = mechanismFor(mechanism, credentials, { errors: popErrors, ...(maxScramIterations === undefined ? {} : { maxScramIterations }) });
  if (sasl === null) throw new POP3UsageError(`AUTH ${mechanism} is not supported with these credentials`);
  const closing = async (error: unknown): Promise<never> => {
    await session.io.close(true);
    throw error;
  };
  const initial = sasl.initialResponse();
  const encoded = initial === null ? undefined : encodeSasl(initial, '=');
  const withCommand = encoded !== undefined && `AUTH ${sasl.name} ${encoded}`.length <= MAX_AUTH_LINE;
  // Withheld (too long, or none): the server's first, empty challenge is answered with it.
  let first = withCommand ? null : initial;
  session.sasl = true;
  try {
    let reply = await session.reply({ type: 'AUTH', mechanism: sasl.name, initialResponse: withCommand ? encoded : undefined }, signal);
    for (let round = 0; reply.type === 'challenge'; round++) {
      let response: string;
      try {
        if (round >= MAX_ROUNDS) throw new POP3ProtocolError(`the server asked for more than ${MAX_ROUNDS} SASL rounds`);
        response = encodeSasl(first ?? sasl.respond(decodeSasl(reply.data, popErrors)));
        first = null;
      } catch (error) {
        return await closing(error);
      }
      reply = await session.reply({ type: 'AUTH_RESPONSE', response }, signal);
    }
    if (!reply.ok) throw authRefused(sasl.name, new POP3ReplyError(reply.line, reply.line));
    try {
      sasl.complete();
    } catch (error) {
      return await closing(error);
    }
    return reply.text;
  } finally {
    session.sasl = false;
  }
}

/**
 * The POP3AuthenticationError for a -ERR to `mechanism` (USER/PASS, APOP, or a SASL name), or
 * `error` as it is when it is not a -ERR (a closed connection, a protocol error).
 */
export function authRefused(mechanism: string, error: unknown): unknown {
  if (!(error instanceof POP3ReplyError) || error instanceof POP3AuthenticationError) return error;
  const line = error.response ?? error.message;
  const advice = /^-ERR \[IN-USE\]/i.test(line)
    ? 'another session holds the mailbox: try again once it has ended'
    : /^-ERR \[SYS\/TEMP\]/i.test(line)
      ? 'a temporary failure on the server: try again later'
      : credentialsAdvice(mechanism);
  return new POP3AuthenticationError(`${mechanism} refused: ${line}; ${advice}`, error.response, { cause: error });
}
