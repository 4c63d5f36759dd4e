/**
 * POP3 commands (RFC 1939, RFC 2449, RFC 5034) as values, and their command lines: arguments
 * checked for CR/LF/NUL and the grammar before anything is sent, secrets redacted for traces.
 *
 * @module
 */
import { checkLine, redact } from '@unitls/client-kit';
import { describeValue } from '@unitls/tls-core';
import { POP3UsageError, popErrors } from '../errors.js';

/** What the client can send. */
export type POP3Command =
  | { type: 'USER'; name: string }
  | { type: 'PASS'; password: string }
  | { type: 'APOP'; name: string; digest: string }
  | { type: 'AUTH'; mechanism: string; initialResponse?: string | undefined }
  /** A base64 SASL response, or "*" to cancel. */
  | { type: 'AUTH_RESPONSE'; response: string }
  | { type: 'STLS' | 'CAPA' | 'UTF8' | 'STAT' | 'RSET' | 'NOOP' | 'QUIT' }
  | { type: 'LIST' | 'UIDL'; which?: number | undefined }
  /** `stream`: each content line is an event; else one `message` event holds the whole body. */
  | { type: 'RETR'; which: number; stream?: boolean | undefined }
  | { type: 'TOP'; which: number; lines: number; stream?: boolean | undefined }
  | { type: 'DELE'; which: number };

/** The command line of `command` (without CRLF), its arguments checked. @throws POP3UsageError */
export function commandLine(command: POP3Command): string {
  switch (command.type) {
    case 'USER':
      return `USER ${checkLine('the user name', command.name, popErrors)}`;
    case 'PASS':
      return `PASS ${checkLine('the password', command.password, popErrors)}`;
    case 'APOP':
      return `APOP ${checkLine('the user name', command.name, popErrors)} ${checkLine('the digest', command.digest, popErrors)}`;
    case 'AUTH': {
      const mechanism = checkLine('the SASL mechanism', command.mechanism, popErrors);
      if (!/^[A-Z0-9_-]{1,20}$/i.test(mechanism)) throw new POP3UsageError(`not a SASL mechanism name: ${JSON.stringify(mechanism)}`);
      return command.initialResponse === undefined ? `AUTH ${mechanism}` : `AUTH ${mechanism} ${checkLine('the SASL response', command.initialResponse, popErrors)}`;
    }
    case 'AUTH_RESPONSE':
      return checkLine('the SASL response', command.response, popErrors);
    case 'LIST':
    case 'UIDL':
      return command.which === undefined ? command.type : `${command.type} ${messageNumber(command.which)}`;
    case 'RETR':
    case 'DELE':
      return `${command.type} ${messageNumber(command.which)}`;
    case 'TOP':
      if (!Number.isSafeInteger(command.lines) || command.lines < 0) throw new POP3UsageError(`TOP: lines must be a non-negative integer, got ${describeValue(command.lines)}`);
      return `TOP ${messageNumber(command.which)} ${command.lines}`;
    default:
      return command.type;
  }
}

/**
 * What an error message calls `command` ("RETR 99: -ERR no such message"): the command with its
 * arguments, or only its verb where an argument is a secret (PASS, APOP, AUTH's responses).
 */
export function commandName(command: POP3Command): string {
  switch (command.type) {
    case 'PASS':
    case 'APOP':
      return command.type;
    case 'AUTH':
      return `AUTH ${command.mechanism}`;
    case 'AUTH_RESPONSE':
      return 'the SASL response';
    case 'USER':
      return 'USER';
    default:
      return commandLine(command);
  }
}

/** The text of `command` for debug output and diagnostics, secrets redacted. */
export function commandTrace(command: POP3Command): string {
  switch (command.type) {
    case 'PASS':
      return redact('PASS', 4);
    case 'APOP':
      return redact(`APOP ${command.name}`, 5 + command.name.length);
    case 'AUTH':
      return command.initialResponse === undefined ? `AUTH ${command.mechanism}` : redact(`AUTH ${command.mechanism}`, 5 + command.mechanism.length);
    case 'AUTH_RESPONSE':
      return redact(command.response);
    default:
      return commandLine(command);
  }
}

function messageNumber(which: number): number {
  if (!Number.isSafeInteger(which) || which < 1) throw new POP3UsageError(`message numbers are positive integers, got ${describeValue(which)}`);
  return which;
}
