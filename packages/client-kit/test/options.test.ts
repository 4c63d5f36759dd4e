/**
 * The option checks every client shares (options.ts): a name the client or the call does not take
 * is the family's usage error naming the known option it resembles, and only a close one.
 */
import { describe, expect, it } from 'vitest';
import { ClientUsageError, checkCallOptions, checkClientOptions, clientErrors, closestName, optionKinds, optionNames, unknownOptionMessage, SIGNAL_ONLY } from '../src/mod.js';

const KNOWN = ['host', 'port', 'timeout', 'signal', 'transport', 'limits', 'serverHostname'];

describe('closestName', () => {
  it.each([
    ['timout', 'timeout'], // one letter left out
    ['timeoutt', 'timeout'], // one added
    ['Timeout', 'timeout'], // case
    ['siganl', 'signal'], // two swapped
    ['sginal', 'signal'],
    ['serverHostName', 'serverHostname'],
    ['servername', null], // four edits away: a different name, not a typo
    ['hots', 'host'], // short names: one edit only
    ['verbose', null],
    ['x', null],
  ] as const)('%s -> %s', (name, close) => {
    expect(closestName(name, KNOWN)).toBe(close);
  });

  it('the message names the option it resembles, or the ones it takes', () => {
    expect(unknownOptionMessage('timout', KNOWN)).toBe("unknown option 'timout' (did you mean 'timeout'?)");
    expect(unknownOptionMessage('maxLineLenght', ['maxLineLength'], 'limits.')).toBe("unknown option 'limits.maxLineLenght' (did you mean 'limits.maxLineLength'?)");
    expect(unknownOptionMessage('verbose', ['host', 'port'])).toBe("unknown option 'verbose' (it takes 'host', 'port')");
  });

  it("Python's context= (ssl_context= for IMAP4_SSL) names configuration and how to get one from an SSLContext", () => {
    for (const name of ['context', 'ssl_context', 'sslContext']) {
      expect(unknownOptionMessage(name, [...KNOWN, 'configuration'])).toBe(
        `unknown option '${name}' (Python's context= is 'configuration' here: pass an @unitls/ssl-compat SSLContext's clientConfiguration(), or a TLSClientConfiguration)`,
      );
    }
    // Only where configuration is an option, and not for a nested object's name.
    expect(unknownOptionMessage('context', KNOWN)).toBe(`unknown option 'context' (it takes ${KNOWN.map((k) => `'${k}'`).join(', ')})`);
    expect(unknownOptionMessage('context', ['configuration'], 'limits.')).toBe("unknown option 'limits.context' (it takes 'limits.configuration')");
  });
});

describe('checkClientOptions with names', () => {
  const names = { options: optionNames<{ host?: string; timeout?: number; limits?: { maxLineLength?: number } }>({ host: true, timeout: true, limits: true }), limits: ['maxLineLength'] };
  const check = (options: unknown) => () => checkClientOptions(clientErrors, 'Demo', options as object, [], names);

  it('refuses an unknown name, in limits too, and passes known ones (symbol keys too)', () => {
    expect(check({ timout: 5 })).toThrow(new ClientUsageError("Demo: unknown option 'timout' (did you mean 'timeout'?)"));
    expect(check({ limits: { maxLineLenght: 5 } })).toThrow("Demo: unknown option 'limits.maxLineLenght' (did you mean 'limits.maxLineLength'?)");
    expect(check({ host: 'x', timeout: 5, limits: { maxLineLength: 5 }, [Symbol('mark')]: 1 })).not.toThrow();
    // Inherited names are not the caller's: only own ones count.
    expect(check(Object.create({ timout: 5 }))).not.toThrow();
  });

  it('optionNames lists every name of the interface', () => {
    expect(names.options).toEqual(['host', 'timeout', 'limits']);
    expect(Object.isFrozen(names.options)).toBe(true);
  });
});

describe('checkCallOptions', () => {
  const kinds = { ...SIGNAL_ONLY, rest: optionKinds.count, onProgress: optionKinds.function, into: optionKinds.own };
  const check = (options: unknown) => () => checkCallOptions(clientErrors, 'retr', options, kinds);

  it('passes none, {}, and right values; an own-checked option is left to the verb', () => {
    expect(check(undefined)).not.toThrow();
    expect(check({})).not.toThrow();
    expect(check({ signal: AbortSignal.timeout(1000), rest: 0, onProgress: () => {}, into: 'the verb checks it' })).not.toThrow();
    expect(check({ signal: undefined })).not.toThrow();
  });

  it.each([
    [{ sginal: 1 }, "unknown option 'sginal' of retr() (did you mean 'signal'?); nothing was sent"],
    [{ verbose: true }, "unknown option 'verbose' of retr() (it takes 'signal', 'rest', 'onProgress', 'into'); nothing was sent"],
    [{ signal: 'soon' }, `the signal option of retr() must be an AbortSignal (an AbortController's signal, AbortSignal.timeout(ms)), got a string ('soon'); nothing was sent`],
    [{ rest: -1 }, 'the rest option of retr() must be an integer >= 0 (a number, not a string), got -1; nothing was sent'],
    [{ onProgress: 'log' }, "the onProgress option of retr() must be a function, got a string ('log'); nothing was sent"],
    [null, 'the options of retr() must be an object such as { signal }, got null; nothing was sent'],
    [[], 'the options of retr() must be an object such as { signal }, got an array ([]); nothing was sent'],
    [AbortSignal.timeout(1000), 'the options of retr() must be an object such as { signal }, got an AbortSignal itself: pass { signal }; nothing was sent'],
  ])('%j: %s', (options, message) => {
    expect(check(options)).toThrow(new ClientUsageError(message));
    let error: unknown;
    try {
      check(options)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClientUsageError);
  });
});
