"""Python's ssl module as a peer of the unitls conformance suite (standard library only).

tls_peer.py server CERT KEY [CERT KEY ...]
    Listens on 127.0.0.1, port chosen by the kernel, and prints "LISTENING <port>". For each
    connection (a thread each): the handshake, one line read, one line answered:
    "<version> <suite> resumed=<bool> <the line>", then unwrap (close_notify). Runs until killed.

tls_peer.py client ROOT
    Reads requests from stdin, one JSON object per line:
    {"port": N, "serverName": "localhost", "version": "TLSv1.2" | "TLSv1.3", "resume": bool}
    connects to 127.0.0.1:port (twice with "resume", the second offering the first session),
    sends "ping\\n", reads the answer line, and prints one JSON result per request:
    {"ok": true, "version": "...", "suite": "ECDHE-ECDSA-AES128-GCM-SHA256", "resumed": bool, "reply": "..."}
    or {"ok": false, "error": "..."}.

Both sides enable every PEP 748 suite: the TLS 1.2 ones with set_ciphers, the TLS 1.3 CCM ones
(off in OpenSSL by default, and Python has no API for TLS 1.3 suites) through the OpenSSL
configuration file the caller names in OPENSSL_CONF.
"""
import json
import socket
import ssl
import sys
import threading

TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AESCCM:ECDHE+AESCCM8"
VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def read_line(tls):
    """Bytes up to and including the first newline, or what came before the end of the stream."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = tls.recv(1024)
        if not chunk:
            break
        line += chunk
    return line


def answer(context, conn):
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.settimeout(30)
            line = read_line(tls)
            if not line.endswith(b"\n"):
                return
            name, version, _ = tls.cipher()
            tls.sendall(f"{version} {name} resumed={str(tls.session_reused).lower()} ".encode() + line)
            tls.unwrap()
    except (OSError, ssl.SSLError) as error:
        print(f"tls_peer: {error}", file=sys.stderr, flush=True)


def serve(pairs):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    for cert, key in zip(pairs[::2], pairs[1::2]):
        context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"LISTENING {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(context, conn), daemon=True).start()


def connect_once(context, request, session=None):
    with socket.create_connection(("127.0.0.1", request["port"]), timeout=30) as raw:
        with context.wrap_socket(raw, server_hostname=request["serverName"], session=session) as tls:
            tls.sendall(b"ping\n")
            reply = read_line(tls)
            name, version, _ = tls.cipher()
            result = {"ok": True, "version": version, "suite": name, "resumed": tls.session_reused, "reply": reply.decode().rstrip("\n")}
            return result, tls.session


def clients(root):
    for line in sys.stdin:
        try:
            request = json.loads(line)
            context = ssl.create_default_context(cafile=root)
            context.set_ciphers(TLS12_CIPHERS)
            context.minimum_version = context.maximum_version = VERSIONS[request["version"]]
            result, session = connect_once(context, request)
            if request.get("resume"):
                result, _ = connect_once(context, request, session)
        except (OSError, ssl.SSLError, ValueError, KeyError) as error:
            result = {"ok": False, "error": str(error)}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["server"] and len(sys.argv) >= 4 and len(sys.argv) % 2 == 0:
        serve(sys.argv[2:])
    elif sys.argv[1:2] == ["client"] and len(sys.argv) == 3:
        clients(sys.argv[2])
    else:
        sys.exit(__doc__)
