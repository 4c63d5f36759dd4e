"""poplib: `pop_client.py PORT CAFILE N`. Logs in, then times RETR of messages 1..N."""
import poplib
import ssl
import sys

from benchclock import measure

port, cafile, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pop = poplib.POP3_SSL('127.0.0.1', port, context=ssl.create_default_context(cafile=cafile))
pop.user('bob')
pop.pass_('bobpass')


def work():
    return sum(len(b'\r\n'.join(pop.retr(i)[1])) for i in range(1, n + 1))


measure(work)
pop.quit()
