/**
 * SMTP AUTH (RFC 4954) over the kit's SASL mechanisms: AUTH with the initial response, then one
 * line per 334 challenge, then 235. A malformed challenge, or a SCRAM server that cannot prove it
 * knows the password, closes the connection: nothing from that server can be trusted.
 *
 * @module
 */
import { credentialsAdvice, decodeSasl, encodeSasl, mechanismFor, type Credentials } from '@unitls/client-kit';
import { SMTPAuthenticationError, SMTPUsageError, smtpErrors } from './errors.js';
import type { SMTPLimits } from './options.js';
import type { Reply } from './protocol/reply.js';
import type { Session } from './session.js';

/**
 * Runs one AUTH exchange with `mechanism`.
 *
 * @throws SMTPAuthenticationError (refused), SMTPUsageError (unknown mechanism, NUL in a
 *   credential), SMTPProtocolError (malformed challenge, unproven SCRAM server; connection closed).
 */
export async function authenticate(session: Session, mechanism: string, credentials: Credentials, limits: SMTPLimits | undefined, signal: AbortSignal | undefined): Promise<Reply> {
  const sasl = mechanismFor(mechanism, credentials, { ...limits, errors: smtpErrors });
  if (sasl === null) throw new SMTPUsageError(`AUTH ${mechanism} is not supported with these credentials`);
  const closing = async (error: unknown): Promise<never> => {
    await session.io.close(true);
    throw error;
  };
  session.sasl = true;
  try {
    const initial = sasl.initialResponse();
    let reply = await session.exchange({ type: 'AUTH', mechanism: sasl.name, initialResponse: initial === null ? undefined : encodeSasl(initial, '=') }, signal);
    // The mechanism answers at most MAX_SASL_ROUNDS challenges (the kit's bound), then a protocol error.
    while (reply.code === 334) {
      let response: string;
      try {
        response = encodeSasl(sasl.respond(decodeSasl(reply.text, smtpErrors)));
      } catch (error) {
        return await closing(error);
      }
      reply = await session.exchange({ type: 'AUTH_RESPONSE', response }, signal);
    }
    if (reply.code === 503) return reply; // already authenticated (smtplib does the same)
    if (reply.code !== 235) throw refused(sasl.name, reply);
    try {
      sasl.complete();
    } catch (error) {
      return await closing(error);
    }
    return reply;
  } finally {
    session.sasl = false;
  }
}

/**
 * The SMTPAuthenticationError for a refused AUTH, saying what to do: 535 (RFC 4954 §6: the
 * credentials are invalid) check them; 454 (temporary failure) try again later. The server's code
 * and text stay in `smtpCode` / `smtpError`; no credential is in the message.
 */
function refused(mechanism: string, reply: Reply): SMTPAuthenticationError {
  const said = `AUTH ${mechanism} refused: ${reply.code} ${reply.text}`;
  const advice = reply.code === 535 ? `; ${credentialsAdvice(mechanism)}` : reply.code === 454 ? '; a temporary failure on the server: try again later' : '';
  return new SMTPAuthenticationError(reply.code, reply.text, reply.enhancedStatus, `${said}${advice}`);
}
