/**
 * CONNECT tunnels (http.client's set_tunnel) through an HTTP or HTTPS proxy. The CONNECT exchange
 * is node:http's (llhttp parses the proxy's answer); what comes back is the raw tunnel, on which
 * the caller speaks plain HTTP or starts TLS with the origin (TLS inside TLS for an HTTPS proxy).
 *
 * @module
 */
import * as http from 'node:http';
import type { Transport } from '@unitls/tls-core';
import { HTTPException, HTTPTimeoutError, checkField, checkHeaderName } from './errors.js';

/** Where a tunnel leads, and what to tell the proxy. */
export interface TunnelTarget {
  host: string;
  port: number;
  /** Extra headers for the CONNECT request (e.g. Proxy-Authorization). */
  headers: Record<string, string>;
}

/** Validates a tunnel target before anything is sent. */
export function tunnelTarget(host: string, port: number, headers: Record<string, string>): TunnelTarget {
  checkField('the tunnel host', host);
  if (host === '' || /[\s/@]/.test(host)) throw new HTTPException(`invalid tunnel host ${JSON.stringify(host)}`, 'UNITLS_HTTP_INVALID_TUNNEL');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HTTPException(`invalid tunnel port ${JSON.stringify(port) ?? String(port)}: a number from 1 to 65535`, 'UNITLS_HTTP_INVALID_TUNNEL');
  for (const [name, value] of Object.entries(headers)) {
    checkHeaderName(name);
    checkField(`header ${name}`, value);
  }
  return { host, port, headers: { ...headers } };
}

/** host:port as CONNECT's request target and Host header want it (IPv6 literals bracketed). */
export function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Sends CONNECT over `proxy` (a connected transport to the proxy) and resolves with the tunnel
 * once the proxy answers 2xx. Any other answer, bytes the proxy sent past its answer (which
 * would be read as the origin's), or a timeout fails with HTTPException and the transport closed.
 */
export function openTunnel(proxy: Transport, target: TunnelTarget, options: { timeout: number; maxHeaderSize?: number | undefined }): Promise<Transport> {
  const where = authority(target.host, target.port);
  return new Promise((resolve, reject) => {
    const fail = (error: HTTPException) => {
      proxy.destroy();
      reject(error);
    };
    const request = http.request({
      method: 'CONNECT',
      path: where,
      headers: { Host: where, ...target.headers },
      createConnection: () => proxy as unknown as import('node:net').Socket,
      ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
    });
    request.setTimeout(options.timeout, () => request.destroy(Object.assign(new Error(`the proxy did not answer CONNECT within ${options.timeout} ms`), { code: 'ETIMEDOUT' })));
    request.once('connect', (response: http.IncomingMessage, tunnel: Transport, head: Buffer) => {
      // The CONNECT deadline is over; the tunnel's users set their own.
      (tunnel as { setTimeout?: (ms: number) => unknown }).setTimeout?.(0);
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        fail(new HTTPException(`the proxy refused the tunnel to ${where}: ${status} ${response.statusMessage ?? ''}`.trimEnd(), 'UNITLS_HTTP_TUNNEL_REFUSED'));
        return;
      }
      if (head.length > 0 || tunnel.readableLength > 0) {
        fail(new HTTPException(`the proxy sent ${head.length + tunnel.readableLength} bytes after its CONNECT answer, before the origin could speak; refused`, 'UNITLS_HTTP_TUNNEL_INJECTION'));
        return;
      }
      resolve(tunnel);
    });
    request.once('response', (response: http.IncomingMessage) => {
      fail(new HTTPException(`the proxy answered CONNECT with ${response.statusCode} but no tunnel`, 'UNITLS_HTTP_TUNNEL_REFUSED'));
    });
    request.once('error', (error) => fail(HTTPException.from(`CONNECT to ${where} through the proxy failed`, error)));
    request.end();
  });
}

/**
 * What a tunnel that did not open rejects with: when the connection's `timeout` passed before the
 * proxy answered CONNECT (the deadline's TimeoutError, or the CONNECT request's own timer), the
 * HTTPTimeoutError the TCP connect and the TLS handshake raise too, phase 'tunnel'; `error` as it
 * is otherwise. A caller's own signal that fired is its reason, not this connection's timeout.
 */
export function tunnelFailure(error: unknown, details: { proxy: string; target: TunnelTarget; timeout: number; callerSignal: AbortSignal | undefined }): unknown {
  const e = error as { name?: unknown; code?: unknown; cause?: unknown } | null;
  const ownTimer = error instanceof HTTPException && e?.code === 'ETIMEDOUT';
  const deadline = e?.name === 'TimeoutError' && details.callerSignal?.aborted !== true;
  if (!ownTimer && !deadline) return error;
  return new HTTPTimeoutError(`the proxy ${details.proxy} did not answer CONNECT ${authority(details.target.host, details.target.port)} before the ${details.timeout} ms timeout`, {
    timeout: details.timeout,
    phase: 'tunnel',
    cause: ownTimer ? e?.cause : error,
  });
}
