"""A Python ssl peer for tls-openssl's tests: an independent observer of what reaches the wire.

Usage: python_peer.py MODE ROLE ARGS...
  ROLE server CERT KEY   listens on 127.0.0.1:0, prints "port N", serves one connection
  ROLE client PORT CA    connects to 127.0.0.1:PORT, verifying "localhost" against CA

MODE
  read         reads until the end with suppress_ragged_eofs=False; prints "clean-eof" when the
               peer's close_notify arrived, "ragged: ..." when TCP ended without it
  close-first  sends close_notify and FIN first ("fin-sent"), then waits for the peer's
               close_notify: "close_notify received" or "ragged: ..."
  garbage      sends its last handshake flight and one application_data record of random bytes
               in one TCP segment, reads to the end and prints "records per read: N M ..." (TLS
               records in each read) and what the peer answered: "alert: ..." or "reset: ..."
"""
import os
import socket
import ssl
import sys


def context(role, a, b):
    if role == "server":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a, b)
    else:
        ctx = ssl.create_default_context(cafile=b)
    return ctx


def connection(role, a):
    if role == "server":
        listener = socket.create_server(("127.0.0.1", 0))
        print("port", listener.getsockname()[1], flush=True)
        raw, _ = listener.accept()
        listener.close()
        return raw
    return socket.create_connection(("127.0.0.1", int(a)))


def read(ctx, raw, role):
    tls = ctx.wrap_socket(raw, server_side=role == "server", server_hostname=None if role == "server" else "localhost", suppress_ragged_eofs=False)
    try:
        while tls.recv(65536):
            pass
        print("clean-eof", flush=True)
    except ssl.SSLEOFError as error:
        print("ragged:", error, flush=True)
    except OSError as error:
        print("reset:", error, flush=True)


def close_first(ctx, raw, role):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=role == "server", server_hostname=None if role == "server" else "localhost")

    def flush():
        data = outgoing.read()
        if data:
            raw.sendall(data)

    def drive(step):
        while True:
            try:
                return step()
            except ssl.SSLWantReadError:
                flush()
                data = raw.recv(65536)
                if data:
                    incoming.write(data)
                else:
                    incoming.write_eof()

    drive(obj.do_handshake)
    flush()
    try:
        obj.unwrap()
    except ssl.SSLWantReadError:
        pass
    flush()
    raw.shutdown(socket.SHUT_WR)
    print("fin-sent", flush=True)
    try:
        drive(obj.unwrap)
        print("close_notify received", flush=True)
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLError) as error:
        print("ragged:", error, flush=True)
    except OSError as error:
        print("reset:", error, flush=True)


def garbage(ctx, raw, role):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=role == "server", server_hostname=None if role == "server" else "localhost")
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            raw.sendall(outgoing.read())
            incoming.write(raw.recv(65536))
    # Our last handshake flight and the forged record leave in one TCP segment.
    raw.sendall(outgoing.read() + b"\x17\x03\x03\x00\x40" + os.urandom(64))
    reads = []
    while True:
        try:
            data = raw.recv(65536)
        except OSError as error:
            print("reset:", error, flush=True)
            return
        if not data:
            break
        reads.append(records(data))
        incoming.write(data)
    print("records per read:", " ".join(map(str, reads)), flush=True)
    incoming.write_eof()
    try:
        while obj.read(65536):
            pass
        print("eof", flush=True)
    except ssl.SSLError as error:
        print("alert:", error.reason, flush=True)


def records(data):
    count, offset = 0, 0
    while offset + 5 <= len(data):
        offset += 5 + int.from_bytes(data[offset + 3 : offset + 5], "big")
        count += 1
    return count


def main():
    mode, role, a, b = sys.argv[1:5]
    ctx = context(role, a, b)
    raw = connection(role, a)
    {"read": read, "close-first": close_first, "garbage": garbage}[mode](ctx, raw, role)
    raw.close()


main()
