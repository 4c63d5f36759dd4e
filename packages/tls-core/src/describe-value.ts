/**
 * How every unitls argument error shows the value it refuses ("…, got a string ('1')"): one
 * helper, so a string that looks like a number is never shown as if it were one (trial 10: `timeout:
 * '100'` read "got 100"; trial 11: `pop.retr('1')` read "got 1").
 *
 * @module
 */

/** Longest string or JSON shown whole; longer ones are cut with "...". */
const SHOWN_LENGTH = 40;

const cut = (text: string): string => (text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH)}...` : text);

/** Control characters as JSON escapes ("\r", "\u0000"): a refused value must not forge a line in a log. */
const escapeControls = (text: string): string => text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\x7f' ? '\\u007f' : JSON.stringify(c).slice(1, -1)));

/**
 * What `value` is, for "got …" in an error message: a number as itself (`-1`, `NaN`, `Infinity`),
 * `null`, `undefined`, and every other value with its type first: `a string ('100')`,
 * `a boolean (true)`, `a bigint (5n)`, `a symbol`, `a function`, `an array ([1,2])`,
 * `a Uint8Array (3 bytes)`, `an object ({"port":1})`, `an AbortSignal`, `a Map`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return String(value);
    case 'string':
      return `a string ('${escapeControls(cut(value)).replace(/'/g, "\\'")}')`;
    case 'boolean':
      return `a boolean (${value})`;
    case 'bigint':
      return `a bigint (${value}n)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (Array.isArray(value)) return `an array (${json(value) ?? `${value.length} items`})`;
  if (value instanceof Uint8Array) return `a ${value.constructor?.name ?? 'Uint8Array'} (${value.length} bytes)`;
  const name = (value as object).constructor?.name;
  if (name !== undefined && name !== 'Object') return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  const shown = json(value);
  return shown === null ? 'an object' : `an object (${shown})`;
}

function json(value: unknown): string | null {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : cut(text);
  } catch {
    // Circular, or holding a bigint: the type says enough.
    return null;
  }
}
