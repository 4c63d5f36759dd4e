/** Raised for bad input (CR/LF in a request line or header) and HTTP failures, with the cause kept. */
export class HTTPException extends Error {
  readonly code: string;
  constructor(message: string, code = 'UNITLS_HTTP', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** Wraps a failure from node:http, node:http2 or the TLS layer, keeping it as the cause. */
  static from(what: string, error: unknown): HTTPException {
    if (error instanceof HTTPException) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new HTTPException(`${what}: ${message}`, (error as { code?: string } | null)?.code ?? 'UNITLS_HTTP', { cause: error });
  }
}

const FORBIDDEN = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Refuses CR, LF and NUL, which would let a caller's value inject HTTP (CVE-2019-9740). */
export function checkField(what: string, value: string): string {
  if (FORBIDDEN.test(value)) throw new HTTPException(`${what} contains CR, LF or NUL, which could inject HTTP; refused`, 'UNITLS_HTTP_INJECTION');
  return value;
}

/** A header name must be an RFC 9110 token. */
export function checkHeaderName(name: string): string {
  checkField('a header name', name);
  if (!TOKEN.test(name)) throw new HTTPException(`invalid header name ${JSON.stringify(name)}`, 'UNITLS_HTTP_INVALID_HEADER');
  return name;
}
