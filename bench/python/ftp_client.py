"""ftplib: `ftp_client.py PORT CAFILE down|up BYTES USER PASSWORD`. Explicit FTPS, PROT P; times one RETR or STOR.

vsftpd's require_ssl_reuse=YES refuses a data connection that does not resume the control
connection's TLS session, which stock FTP_TLS does not do; the subclass below passes the
session, as Python users of such servers commonly do.
"""
import ftplib
import ssl
import sys

from benchclock import measure


class SessionReusingFTP_TLS(ftplib.FTP_TLS):
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class Zeros:
    """A file-like source of `left` zero bytes, so the upload is not held in memory."""

    def __init__(self, left):
        self.left = left

    def read(self, size):
        size = min(size, self.left)
        self.left -= size
        return bytes(size)


port, cafile, direction, size, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
ftp = SessionReusingFTP_TLS(context=ssl.create_default_context(cafile=cafile))
ftp.connect('localhost', port, timeout=60)
ftp.login(user, password)
ftp.prot_p()


def work():
    got = 0
    if direction == 'down':
        def sink(block):
            nonlocal got
            got += len(block)
        ftp.retrbinary('RETR big.bin', sink, blocksize=65536)
        return got
    ftp.storbinary('STOR up.bin', Zeros(size), blocksize=65536)
    return size


measure(work)
ftp.quit()
