/**
 * break15 (b): an upload whose connections end in the middle with a FIN (an orderly end, not a
 * reset), against vsftpd over TLS (PROT P, on every implementation) and in plain text, and the
 * plain-text slow reader (tests/ftp/slow-reader has only the TLS implementations).
 *
 * - The data connection ended by the server's side after 1 MiB of a 9 MiB STOR (the throttle
 *   proxy's `cut: 'fin'`): a typed FTPError, never a success, no hang; then the control
 *   connection is usable or, where vsftpd ended the session (it writes "500 OOPS: ..." and exits
 *   when its TLS read fails), closed and the next call says why ("not connected (...)", not the
 *   generic "closed by quit(), logout() or close()").
 * - The control connection ended with a FIN (no close_notify over TLS) after 1 MiB: an
 *   FTPConnectionError, the client closed, the next call says why, quit() resolves.
 * - Plain text, a server that reads the STOR data slowly (two stalls longer than half the
 *   timeout): stored, every byte.
 * - Plain text, a data connection reset once the client had handed on its last byte, the server
 *   answering 226 (what a server behind a middlebox that forwarded part of the data and reset the
 *   rest says: it saw only an end): an FTPConnectionError saying the file may be incomplete. It
 *   used to resolve with the 226: a truncated upload reported as stored (tests/clients/upload-reset's
 *   plain-text case got "226" whenever the reset came after the last write).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP, FTPConnectionError, FTPError, FTPTempError, FTPTimeoutError, FTP_TLS } from '@unitls/ftp';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { cuttingProxy } from '../support/cutting-proxy.js';
import { proxiedData, throttleProxy, throttledData } from '../support/throttle-proxy.js';
import type { TransportFactory } from '@unitls/client-kit';
import { FTP_PASSWORD, FTP_USER, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { implementations } from '../conformance/implementations.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { dataPort, ftpScript, useDataPorts, LOGIN } from './scripted-ftp.js';

let secure: Vsftpd;
let plain: Vsftpd;
const MiB = 1 << 20;
const TIMEOUT = 4000;
const SIZE = 9 * MiB;
const BLOB = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 13 + (i >> 11)) & 0xff));
const stray = useStrayErrors();

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  secure = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  plain = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), undefined, { tls: false });
}, 120_000);
afterAll(async () => {
  await secure?.stop();
  await plain?.stop();
});

type Variant = readonly [string, TLSImplementation | null];
const variants: Variant[] = [...implementations.map((i) => [i.name, i] as const), ['plain text', null]];

describe.each(variants)('an upload cut with a FIN (%s)', (name, implementation) => {
  const server = (): Vsftpd => (implementation === null ? plain : secure);
  const open = async (transport: TransportFactory): Promise<FTP> => {
    const port = server().ports.explicit;
    const ftp =
      implementation === null
        ? new FTP({ host: '127.0.0.1', port, transport, allowPlaintextAuth: true, timeout: TIMEOUT })
        : new FTP_TLS({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), transport, timeout: TIMEOUT });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };
  const file = (what: string): string => `${what}-${name.replace(/ /g, '-')}.bin`;

  it('the data connection ended with a FIN after 1 MiB of a STOR: a typed error, never a success; the client usable or closed saying why', async () => {
    const transport = throttledData(server().ports.explicit, { cutAfter: MiB, cut: 'fin' });
    const ftp = await open(transport);
    try {
      const outcome = await ftp.storbinary(`STOR ${file('data-fin')}`, BLOB).catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(FTPError);
      expect(outcome).not.toBeInstanceOf(FTPTimeoutError);
      // vsftpd's verdict, when the client had handed on every byte before the cut reached it,
      // names the command and how much went out (it was the bare "426 Failure reading network stream.").
      if (outcome instanceof FTPTempError) expect(outcome.message).toMatch(new RegExp(`^STOR ${file('data-fin')}: 426 .*\\((\\d+) bytes of the STOR data had gone out\\)$`));
      expect(transport.proxies).toHaveLength(1);
      if (ftp.state === null) {
        const next = await ftp.pwd().catch((e: unknown) => e);
        expect(next).toBeInstanceOf(FTPConnectionError);
        expect((next as Error).message).toMatch(/^not connected \(/);
        expect(await ftp.quit()).toBeNull();
      } else expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.close();
    }
    expect(stray).toEqual([]);
  }, 60_000);

  it('the control connection ended with a FIN after 1 MiB of a STOR: an FTPConnectionError, the client closed saying why, quit() resolves', async () => {
    const control = await cuttingProxy(server().ports.explicit);
    const transport = proxiedData(server().ports.explicit, (target) => throttleProxy(target), control);
    try {
      const ftp = await open(transport);
      let cut: Promise<void> | null = null;
      const error = await ftp
        .storbinary(`STOR ${file('control-fin')}`, BLOB, {
          onProgress: (p) => {
            if (cut === null && p.bytes >= MiB) cut = control.cut('fin');
          },
        })
        .catch((e: unknown) => e);
      await cut;
      expect(error).toBeInstanceOf(FTPConnectionError);
      expect(error).not.toBeInstanceOf(FTPTimeoutError);
      expect((error as Error).message).not.toMatch(/^data connection: /);
      expect(ftp.state).toBeNull();
      const next = await ftp.pwd().catch((e: unknown) => e);
      expect(next).toBeInstanceOf(FTPConnectionError);
      expect((next as Error).message).toMatch(/^not connected \(/);
      expect(await ftp.quit()).toBeNull();
    } finally {
      await control.close();
    }
    expect(stray).toEqual([]);
  }, 60_000);

  if (implementation === null) {
    it('a STOR the server reads slowly (two 2500 ms stalls, timeout 4000 ms): stored, every byte', async () => {
      const transport = throttledData(plain.ports.explicit, { stalls: [MiB, 3 * MiB], stallMs: 2500 });
      const ftp = await open(transport);
      try {
        expect(await ftp.storbinary(`STOR ${file('slow')}`, BLOB)).toMatch(/^226 /);
        expect(transport.proxies[0]!.forwarded).toBeGreaterThanOrEqual(SIZE);
        expect(readFileSync(join(plain.home, file('slow'))).equals(BLOB)).toBe(true);
      } finally {
        await ftp.quit();
      }
    }, 120_000);
  }
});

const hostile = useScriptedServers();
useDataPorts();

describe('a clear data connection reset after the last byte of a STOR went out, the server answering 226', () => {
  it('an FTPConnectionError saying the file may be incomplete, the reset as cause; the control connection usable', async () => {
    let control: { write(text: string): void } | null = null;
    let upload: import('node:net').Socket | null = null;
    const data = await dataPort((socket) => {
      upload = socket;
      socket.resume();
    });
    const server = await hostile((c) => {
      control = c;
      return ftpScript(c, { ...LOGIN, EPSV: data.epsv(), STOR: '150 Ok to send data.\r\n', PWD: '257 "/"\r\n' });
    });
    const total = 256 * 1024;
    const ftp = new FTP({ host: '127.0.0.1', port: server.port, allowPlaintextAuth: true, timeout: TIMEOUT });
    await ftp.connect();
    try {
      await ftp.login('u', 'p');
      const error = await ftp
        .storbinary('STOR cut.bin', Buffer.alloc(total, 0x63), {
          onProgress: (p) => {
            // The last byte handed on: the data connection is reset, and the server, having seen an end, says 226.
            if (p.bytes === total) {
              upload!.resetAndDestroy();
              control!.write('226 Transfer complete.\r\n');
            }
          },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FTPConnectionError);
      expect((error as Error).message).toMatch(/^data connection: the connection failed while closing: the server reset the connection \(read ECONNRESET\), after all 262144 bytes of the STOR data had been handed on: the server did not take them all, though it answered "226 Transfer complete\."; the file it stored may be incomplete/);
      expect(error).toMatchObject({ replyCode: 226 });
      expect(String(((error as Error).cause as Error)?.message)).toMatch(/ECONNRESET/);
      expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.close();
    }
    expect(stray).toEqual([]);
  });
});
