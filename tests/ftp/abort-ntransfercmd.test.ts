/**
 * break14 (session 14): ftplib's way to stop a transfer the caller opened itself —
 * `conn = ntransfercmd('RETR x'); ...; abort()` — sent ABOR (and the core's NOOP), read the
 * transfer's 426, ABOR's 226 and NOOP's 200 (the connection back in step), and then failed with
 * FTPConnectionError "the connection resynchronised where a reply was awaited" and closed the
 * connection: abort() expected one reply, not the resynchronisation. abort() must resolve and
 * the control connection stay usable, as ftplib's does; nothing unhandled.
 */
import { describe, expect, it } from 'vitest';
import { FTP } from '@unitls/ftp';
import { useScriptedServers } from '../support/scripted-server.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { dataPort, ftpScript, useDataPorts } from './scripted-ftp.js';

const hostile = useScriptedServers();
useDataPorts();
const stray = useStrayErrors();

describe('FTP abort() of a transfer opened with ntransfercmd()', () => {
  it('resolves after ABOR + NOOP resynchronised the connection; the connection stays usable', async () => {
    let running = false;
    const data = await dataPort((socket) => void socket.write('partial'));
    const server = await hostile((c) =>
      ftpScript(c, {
        USER: '331 password please\r\n',
        PASS: '230 logged in\r\n',
        TYPE: '200 ok\r\n',
        EPSV: `229 (|||${data.port}|)\r\n`,
        RETR: () => {
          running = true;
          return '150 opening\r\n';
        },
        // What vsftpd answers: the transfer's 426 and ABOR's 226 during a transfer, 225 without one.
        ABOR: () => (running ? ((running = false), '426 Failure writing network stream.\r\n226 Abort successful\r\n') : '225 No transfer to ABOR.\r\n'),
        NOOP: '200 NOOP ok.\r\n',
        PWD: '257 "/"\r\n',
      }),
    );
    const ftp = new FTP({ host: '127.0.0.1', port: server.port, timeout: 2000 });
    await ftp.connect();
    try {
      const [channel] = await ftp.ntransfercmd('RETR big.bin');
      expect(Buffer.from(await channel.recv()).toString()).toBe('partial');
      await expect(ftp.abort()).resolves.toBeUndefined();
      await channel.close();
      expect(ftp.state).toBe('IDLE');
      expect(await ftp.pwd()).toBe('/');
      expect(server.lines.slice(-3)).toEqual(['ABOR', 'NOOP', 'PWD']);
      // And abort() with no transfer still sends ABOR and takes the 225.
      await expect(ftp.abort()).resolves.toBeUndefined();
      expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.close();
    }
    expect(stray).toEqual([]);
  });
});
