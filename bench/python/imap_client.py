"""imaplib: `imap_client.py PORT CAFILE MAILBOX [each]`. Logs in, selects read-only, then times
FETCH 1:* BODY.PEEK[], or with `each` one UID FETCH per message (imaplib sends a command and
waits for its answer before the next)."""
import imaplib
import ssl
import sys

from benchclock import measure

port, cafile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3]
each = len(sys.argv) > 4 and sys.argv[4] == 'each'
context = ssl.create_default_context(cafile=cafile)
imap = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context)
imap.login('bob', 'bobpass')
imap.select(mailbox, readonly=True)
uids = imap.uid('SEARCH', None, 'ALL')[1][0].split() if each else []


def work():
    if each:
        total = 0
        for uid in uids:
            typ, data = imap.uid('FETCH', uid, '(BODY.PEEK[])')
            total += sum(len(part[1]) for part in data if isinstance(part, tuple))
        return total
    typ, data = imap.fetch('1:*', '(BODY.PEEK[])')
    return sum(len(part[1]) for part in data if isinstance(part, tuple))


measure(work)
imap.logout()
