"""poplib: `pop_client.py PORT CAFILE N [MAILBOX_SIZE]`. Logs in, then times N RETRs of messages
1..MAILBOX_SIZE in turn (MAILBOX_SIZE defaults to N)."""
import poplib
import ssl
import sys

from benchclock import measure

port, cafile, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
size = int(sys.argv[4]) if len(sys.argv) > 4 else n
pop = poplib.POP3_SSL('127.0.0.1', port, context=ssl.create_default_context(cafile=cafile))
pop.user('bob')
pop.pass_('bobpass')


def work():
    return sum(len(b'\r\n'.join(pop.retr(i % size + 1)[1])) for i in range(n))


measure(work)
pop.quit()
