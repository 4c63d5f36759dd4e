"""http.client: `http_client.py PORT CAFILE PATH N`. One keep-alive HTTPS connection, one untimed GET
/hello, then N timed GETs of PATH, each body read to the end in 64 KiB pieces."""
import http.client
import ssl
import sys

from benchclock import measure

port, cafile, path, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
context = ssl.create_default_context(cafile=cafile)
context.set_alpn_protocols(['http/1.1'])
connection = http.client.HTTPSConnection('localhost', port, context=context)


def get(target):
    connection.request('GET', target)
    response = connection.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    return size


get('/hello')


def work():
    return sum(get(path) for _ in range(n))


measure(work)
connection.close()
