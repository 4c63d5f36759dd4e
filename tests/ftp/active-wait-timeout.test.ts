/**
 * break14 (session 14): in active mode (PORT/EPRT) the data connection is the server's to open; a
 * server that never connects timed out with "FTP data connection timed out connecting to
 * 127.0.0.1:0" (the control peer and a port 0 the client never dialled) and `command` null,
 * though the wait was for the server's connection to our listening port, for RETR. The timeout
 * must be an FTPTimeoutError that says so: phase 'connect', command the transfer's verb, the
 * address the server was told, the timer's DOMException as cause; the control connection stays
 * usable, nothing unhandled.
 */
import { describe, expect, it } from 'vitest';
import { FTP, FTPConnectionError, FTPTimeoutError } from '@unitls/ftp';
import { useScriptedServers } from '../support/scripted-server.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { ftpScript, useDataPorts } from './scripted-ftp.js';

const hostile = useScriptedServers();
useDataPorts();
const stray = useStrayErrors();
const LOGIN = { USER: '331 password please\r\n', PASS: '230 logged in\r\n', TYPE: '200 ok\r\n' };

describe('FTP active mode: a server that never opens the data connection', () => {
  it.each([
    ['RETR', (ftp: FTP) => ftp.retrbinary('RETR x', () => {})],
    ['STOR', (ftp: FTP) => ftp.storbinary('STOR x', Buffer.from('data'))],
    ['LIST', (ftp: FTP) => ftp.retrlines('LIST', () => {})],
  ] as const)('%s: FTPTimeoutError naming the wait for the server, the verb, our address; the control connection usable', async (verb, call) => {
    let told = '';
    const server = await hostile((c) =>
      ftpScript(c, {
        ...LOGIN,
        PORT: (argument) => {
          told = argument;
          return '200 ok\r\n';
        },
        [verb]: '150 opening\r\n',
        ABOR: '426 aborted\r\n226 ABOR ok\r\n',
        NOOP: '200 ok\r\n',
      }),
    );
    const ftp = new FTP({ host: '127.0.0.1', port: server.port, passive: false, timeout: 300 });
    await ftp.connect();
    try {
      const error = await call(ftp).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(FTPTimeoutError);
      expect(error).toBeInstanceOf(FTPConnectionError);
      const timeout = error as FTPTimeoutError;
      expect(timeout.name).toBe('TimeoutError');
      expect(timeout).toMatchObject({ phase: 'connect', command: verb, timeout: 300 });
      expect((timeout.cause as Error).name).toBe('TimeoutError');
      const fields = told.split(',').map(Number);
      const port = fields[4]! * 256 + fields[5]!;
      expect(timeout.message).not.toMatch(/:0\b/);
      expect(timeout.message).toContain(`waiting for the server to connect to 127.0.0.1:${port}`);
      expect(timeout.message).toContain('300 ms');
      expect((await ftp.sendcmd('NOOP')).code).toBe(200);
    } finally {
      await ftp.close();
    }
    expect(stray).toEqual([]);
  });
});
