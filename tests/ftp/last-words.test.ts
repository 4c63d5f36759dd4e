/**
 * break15 finding (a): a server that ends the control connection with its reason while a transfer
 * is abandoned. vsftpd, when its read of a STOR's data fails, sends "500 OOPS: ..." on the control
 * connection and exits (seen against vsftpd on tls-openssl and tls-pure: tests/ftp/slow-reader).
 * abandon() (ABOR + NOOP) read that reply as one of the transfer's to discard, then the end of the
 * connection, and the transfer failed with the data connection's error alone; the next call said
 * only "not connected: the connection was closed (by quit(), logout() or close(), or after a
 * failure)". Now the transfer's error is an FTPConnectionError quoting the server (replyCode and
 * reply kept, the data error as cause) and the next call says the same.
 */
import { describe, expect, it } from 'vitest';
import { FTP, FTPConnectionError } from '@unitls/ftp';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { dataPort, ftpScript, useDataPorts, LOGIN } from './scripted-ftp.js';

const hostile = useScriptedServers();
useDataPorts();
const stray = useStrayErrors();

const OOPS = '500 OOPS: vsf_sysutil_recv_peek: no data';
const BLOB = Buffer.alloc(8 << 20, 0x62);

/** What the server does on the control connection once the data connection was cut, and what the error must quote. */
const endings: ReadonlyArray<{ name: string; onCut: string | null; onAbor: string | null; quoted: RegExp; code: number }> = [
  { name: 'vsftpd: 500 OOPS, then the end', onCut: `${OOPS}\r\n`, onAbor: null, quoted: /500 OOPS: vsf_sysutil_recv_peek: no data/, code: 500 },
  { name: '421, then the end', onCut: '421 Service not available, closing control connection.\r\n', onAbor: null, quoted: /421 Service not available/, code: 421 },
  { name: 'ABOR answered 426 and 451, then the end (no NOOP 200)', onCut: null, onAbor: '426 Connection closed; transfer aborted.\r\n451 Local error in processing.\r\n', quoted: /"426 Connection closed; transfer aborted\.", "451 Local error in processing\."/, code: 451 },
];

describe.each(['STOR', 'RETR'] as const)('an abandoned %s whose server then ends the control connection', (verb) => {
  for (const ending of endings) {
    it(`${ending.name}: the transfer's error quotes it, typed; the client closed; the next call says it`, async () => {
      let control: ScriptConnection | null = null;
      const cut = (socket: import('node:net').Socket): void => {
        socket.resetAndDestroy();
        if (ending.onCut !== null) {
          control!.write(ending.onCut);
          control!.socket.end();
        }
      };
      let retrData: import('node:net').Socket | null = null;
      const data = await dataPort((socket) => {
        // A RETR's data connection is cut once the client has had its first bytes.
        if (verb === 'RETR') {
          retrData = socket;
          socket.write(Buffer.alloc(64 * 1024, 0x61));
        } else {
          let got = 0;
          socket.on('data', (chunk: Buffer) => {
            got += chunk.length;
            if (got >= 256 * 1024 && !socket.destroyed) cut(socket);
          });
        }
      });
      const server = await hostile((c) => {
        control = c;
        return ftpScript(c, {
          ...LOGIN,
          EPSV: data.epsv(),
          [verb]: '150 Ok to send data.\r\n',
          ABOR: () => {
            if (ending.onAbor === null) return null;
            c.write(ending.onAbor);
            c.socket.end();
            return null;
          },
        });
      });
      const ftp = new FTP({ host: '127.0.0.1', port: server.port, allowPlaintextAuth: true, timeout: 5000 });
      await ftp.connect();
      try {
        await ftp.login('u', 'p');
        const error = await (verb === 'STOR' ? ftp.storbinary('STOR big.bin', BLOB) : ftp.retrbinary('RETR big.bin', () => {
                if (retrData !== null && !retrData.destroyed) cut(retrData);
              })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FTPConnectionError);
        expect((error as Error).message).toMatch(ending.quoted);
        expect((error as Error).message).toMatch(/the client is closed, run connect\(\) to open it again$/);
        expect(error).toMatchObject({ replyCode: ending.code });
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(ftp.state).toBeNull();
        const next = await ftp.pwd().catch((e: unknown) => e);
        expect(next).toBeInstanceOf(FTPConnectionError);
        expect((next as Error).message).toMatch(/^not connected \(/);
        expect((next as Error).message).toMatch(ending.quoted);
        expect(await ftp.quit()).toBeNull();
      } finally {
        await ftp.close();
      }
      expect(stray).toEqual([]);
    });
  }
});
