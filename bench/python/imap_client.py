"""imaplib: `imap_client.py PORT CAFILE MAILBOX`. Logs in, selects read-only, then times FETCH 1:* BODY.PEEK[]."""
import imaplib
import ssl
import sys

from benchclock import measure

port, cafile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
imap = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context)
imap.login('bob', 'bobpass')
imap.select(mailbox, readonly=True)


def work():
    typ, data = imap.fetch('1:*', '(BODY.PEEK[])')
    return sum(len(part[1]) for part in data if isinstance(part, tuple))


measure(work)
imap.logout()
