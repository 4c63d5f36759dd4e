"""smtplib: `smtp_client.py PORT CAFILE MESSAGEFILE N`. STARTTLS, one untimed message, then N timed."""
import smtplib
import ssl
import sys

from benchclock import measure

port, cafile, path, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
message = open(path, 'rb').read()
with smtplib.SMTP('127.0.0.1', port) as smtp:
    smtp.starttls(context=ssl.create_default_context(cafile=cafile))
    smtp.sendmail('a@example.test', ['b@example.test'], message)

    def work():
        for _ in range(n):
            smtp.sendmail('a@example.test', ['b@example.test'], message)
        return n

    measure(work)
