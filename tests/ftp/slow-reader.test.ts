/**
 * FTP uploads and downloads whose data connection stalls, crawls or is lost mid-way, against
 * vsftpd (PROT P, require_ssl_reuse) on every implementation (slow14 items 1 and 3; SMTP's slow
 * link is tests/smtp/slow-reader, the connection reset mid-upload tests/clients/upload-reset).
 * The data connections go through a proxy of their own (the client's `transport` option,
 * tests/support/throttle-proxy's proxiedData), the control connection straight or through a
 * cutting proxy.
 *
 * - A server that reads the STOR data slowly (two STALL ms stalls, more than TIMEOUT in all):
 *   the upload completes, every byte (limits.minTransferRate is a rate over windows, not a deadline).
 * - A server that stops reading it: an FTPTimeoutError (phase 'write', command 'STOR') saying how
 *   much went out. It used to be a bare DOMException TimeoutError that said neither.
 * - The data connection reset in the middle of a RETR or a STOR: an FTPConnectionError (the reset,
 *   or for a RETR the download cut short without close_notify), or for a RETR vsftpd's 426 (an
 *   FTPTempError) when the client took the reset for the data's end; the control connection stays
 *   usable, or, where vsftpd ends the session itself, is closed and quit() resolves.
 * - The control connection reset in the middle of a RETR or a STOR: an FTPConnectionError, the
 *   client closed, quit() resolves (nothing left open).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTPConnectionError, FTPError, FTPTempError, FTPTimeoutError, FTP_TLS } from '@unitls/ftp';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { proxiedData, throttleProxy, throttledData } from '../support/throttle-proxy.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

let server: Vsftpd;
const MiB = 1 << 20;
const TIMEOUT = 4000;
const STALL = 2500;
const SIZE = 9 * MiB;
/** Bytes that differ from place to place, so a lost or repeated piece shows. */
const BLOB = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7 + (i >> 12)) & 0xff));
const SOURCE = 'source.bin';

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  putFile(server, SOURCE, BLOB);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe.each(implementations.map((i) => [i.name, i] as const))('vsftpd data connections over %s', (name, implementation: TLSImplementation) => {
  const open = async (transport: NonNullable<ConstructorParameters<typeof FTP_TLS>[0]>['transport']): Promise<FTP_TLS> => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig(), transport, timeout: TIMEOUT });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };

  it(`a STOR the server reads slowly (two ${STALL} ms stalls, timeout ${TIMEOUT} ms): stored, every byte`, async () => {
    const transport = throttledData(server.ports.explicit, { stalls: [MiB, 3 * MiB], stallMs: STALL });
    await using ftp = await open(transport);
    const file = `slow-${name}.bin`;
    expect(await ftp.storbinary(`STOR ${file}`, BLOB)).toMatch(/^226 /);
    expect(transport.proxies).toHaveLength(1);
    expect(transport.proxies[0]!.forwarded).toBeGreaterThan(SIZE);
    expect(readFileSync(join(server.home, file)).equals(BLOB)).toBe(true);
  }, 120_000);

  it('a STOR the server stops reading: an FTPTimeoutError (phase write) saying how much went out', async () => {
    const transport = throttledData(server.ports.explicit, { stopAfter: 256 * 1024 });
    await using ftp = await open(transport);
    let progress = 0;
    const error = await ftp.storbinary(`STOR stalled-${name}.bin`, BLOB, { onProgress: (p) => void (progress = p.bytes) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPTimeoutError);
    expect(error).toMatchObject({ name: 'TimeoutError', phase: 'write', command: 'STOR', timeout: TIMEOUT });
    const message = (error as Error).message;
    expect(message).toMatch(/^FTP data connection timed out sending the STOR data: the server took none of it for \d+ ms of waiting \(\d+ bytes had gone out before\): it stopped reading, below limits.minTransferRate/);
    const sent = Number(/\((\d+) bytes had gone out before\)/.exec(message)![1]);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(SIZE);
    expect(sent).toBeGreaterThanOrEqual(progress);
    // vsftpd itself still waits for the data the proxy holds back (the proxy, not reading, never
    // sees our end of the data connection), so it never answers ABOR: the control connection is
    // closed after the timeout, and the next call says why.
    expect(ftp.state).toBeNull();
    await expect(ftp.pwd()).rejects.toThrow(/not connected \(FTP timed out waiting for the reply to ABOR/);
  }, 60_000);

  for (const verb of ['RETR', 'STOR'] as const) {
    it(`the data connection reset in the middle of a ${verb}: a typed error; the control connection usable or closed cleanly`, async () => {
      const cutters: CuttingProxy[] = [];
      const transport = proxiedData(server.ports.explicit, async (target) => {
        const proxy = await cuttingProxy(target);
        cutters.push(proxy);
        return proxy;
      });
      try {
        await using ftp = await open(transport);
        let moved = 0;
        let cut: Promise<void> | null = null;
        const once = (bytes: number): void => {
          moved += bytes;
          if (cut === null && moved >= MiB) cut = cutters[0]!.cut('reset');
        };
        const error =
          verb === 'RETR'
            ? await ftp.retrbinary(`RETR ${SOURCE}`, (chunk) => once(chunk.length)).catch((e: unknown) => e)
            : await ftp.storbinary(`STOR cut-${name}.bin`, BLOB, { onProgress: (p) => once(p.bytes - moved) }).catch((e: unknown) => e);
        await cut;
        expect(error).toBeInstanceOf(FTPError);
        expect(error).not.toBeInstanceOf(FTPTimeoutError);
        const message = (error as Error).message;
        if (error instanceof FTPTempError) {
          // tls-node (it sees no close_notify, so an end is just an end) may take the reset for
          // the end of the data and read vsftpd's verdict: the transfer failed.
          expect(verb).toBe('RETR');
          expect(message).toMatch(/^426 /);
        } else if (message.startsWith('data connection: ')) {
          expect(error).toBeInstanceOf(FTPConnectionError);
          expect(message).toMatch(/reset/);
          expect(String(((error as Error).cause as Error)?.message)).toMatch(/ECONNRESET/);
        } else {
          // A download whose reset raced the bytes before it (as in tests/conformance/lost-connection)
          // ends like a FIN: no close_notify, fewer bytes than vsftpd's 150 announced.
          expect(verb).toBe('RETR');
          expect(error).toBeInstanceOf(FTPConnectionError);
          expect(message).toMatch(new RegExp(`^the data connection ended without TLS close_notify after \\d+ bytes and ${SIZE} bytes were expected`));
        }
        if (ftp.state === null) {
          // vsftpd ends the session when its TLS read of a STOR fails ("500 OOPS: ... unexpected
          // eof while reading", in the clear on the TLS control connection): closed, as it must be.
          expect(verb).toBe('STOR');
          await expect(ftp.pwd()).rejects.toBeInstanceOf(FTPConnectionError);
          expect(await ftp.quit()).toBeNull();
        } else expect(await ftp.pwd()).toBe('/');
      } finally {
        for (const proxy of cutters) await proxy.close();
      }
    }, 60_000);

    it(`the control connection reset in the middle of a ${verb}: an FTPConnectionError, the client closed, quit() resolves`, async () => {
      const control = await cuttingProxy(server.ports.explicit);
      const data: Awaited<ReturnType<typeof throttleProxy>>[] = [];
      const transport = proxiedData(
        server.ports.explicit,
        async (target) => {
          const proxy = await throttleProxy(target);
          data.push(proxy);
          return proxy;
        },
        control,
      );
      try {
        const ftp = await open(transport);
        let moved = 0;
        let cut: Promise<void> | null = null;
        const once = (bytes: number): void => {
          moved += bytes;
          if (cut === null && moved >= MiB) cut = control.cut('reset');
        };
        const error =
          verb === 'RETR'
            ? await ftp.retrbinary(`RETR ${SOURCE}`, (chunk) => once(chunk.length)).catch((e: unknown) => e)
            : await ftp.storbinary(`STOR control-cut-${name}.bin`, BLOB, { onProgress: (p) => once(p.bytes - moved) }).catch((e: unknown) => e);
        await cut;
        expect(error).toBeInstanceOf(FTPConnectionError);
        expect(error).not.toBeInstanceOf(FTPTimeoutError);
        expect((error as Error).message).not.toMatch(/^data connection: /);
        expect((error as Error).message).toMatch(/reset/);
        expect(ftp.state).toBeNull();
        expect(await ftp.quit()).toBeNull();
      } finally {
        await control.close();
      }
    }, 60_000);
  }
});
