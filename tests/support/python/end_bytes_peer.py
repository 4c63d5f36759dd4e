"""A TLS server whose last bytes are exact: the handshake runs over a MemoryBIO, then the mode's
records (application data, close_notify) and the FIN are written as one chunk or in the order
the mode names. Prints the port, then "sent" once everything is written; exits after the client
closed.

Modes: together (data + close_notify + FIN in one write), notify-data-fin (close_notify, then a
record after it, then FIN), large-clean / large-ragged (LARGE bytes, with or without
close_notify, then FIN; for a client that reads slowly)."""
import socket
import ssl
import sys

LARGE = 4 * 1024 * 1024


def handshake(tls, raw, incoming, outgoing):
    """Runs the handshake of `tls` (over MemoryBIOs) on the socket `raw`; False if the peer closed."""
    while True:
        try:
            tls.do_handshake()
            return True
        except ssl.SSLWantReadError:
            raw.sendall(outgoing.read())
            data = raw.recv(65536)
            if not data:
                return False
            incoming.write(data)


def queue_close_notify(tls):
    """Queues our close_notify in the outgoing MemoryBIO, without waiting for the peer's."""
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass


def send_data_then_end(tls, raw, outgoing, clean):
    """b"data", our close_notify (when clean) and FIN, corked into one TCP segment."""
    tls.write(b"data")
    if clean:
        queue_close_notify(tls)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    raw.sendall(outgoing.read())
    raw.shutdown(socket.SHUT_WR)


def rush(port, ca, version, clean):
    """Client: its last handshake flight, b"data", close_notify (when clean) and FIN in one write."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca)
    if version == "1.2":
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    raw = socket.create_connection(("127.0.0.1", port))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    if not handshake(tls, raw, incoming, outgoing):
        return
    send_data_then_end(tls, raw, outgoing, clean)
    print("sent", flush=True)
    while raw.recv(65536):
        pass
    raw.close()


def main():
    if sys.argv[1] in ("rush-clean", "rush-ragged"):
        rush(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[1] == "rush-clean")
        return
    mode, cert, key = sys.argv[1:4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if len(sys.argv) > 4 and sys.argv[4] == "1.2":
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    raw, _ = listener.accept()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_side=True)
    if not handshake(tls, raw, incoming, outgoing):
        return
    raw.sendall(outgoing.read())
    if mode == "together":
        send_data_then_end(tls, raw, outgoing, clean=True)
    elif mode == "notify-data-fin":
        tls.write(b"data")
        before = outgoing.read()
        # A second connection state cannot write after close_notify: forge the record after it by
        # sending a copy of the data record (the client must ignore anything after close_notify).
        queue_close_notify(tls)
        raw.sendall(before + outgoing.read() + before)
        raw.shutdown(socket.SHUT_WR)
    elif mode in ("large-clean", "large-ragged"):
        payload = bytes(LARGE)
        sent = 0
        while sent < LARGE:
            n = tls.write(payload[sent:sent + 16384])
            sent += n
            raw.sendall(outgoing.read())
        if mode == "large-clean":
            queue_close_notify(tls)
            raw.sendall(outgoing.read())
        raw.shutdown(socket.SHUT_WR)
    print("sent", flush=True)
    while raw.recv(65536):
        pass
    raw.close()


main()
