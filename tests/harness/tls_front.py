#!/usr/bin/python3
"""A TLS front for a plain-HTTP test server: terminates TLS and relays bytes both ways.

    tls_front.py CERT KEY UPSTREAM_PORT PORT_FILE PARENT_PID

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) with the given
certificate; every accepted connection is relayed byte for byte to 127.0.0.1:UPSTREAM_PORT,
so the upstream sees the client's own Host header and SigV4 signatures still verify. Exits
by itself when PARENT_PID is gone, so a crashed test leaves nothing behind.
"""
import os
import socket
import ssl
import sys
import threading
import time


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, upstream_port):
    try:
        up = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        conn.close()
        return
    t = threading.Thread(target=pipe, args=(up, conn), daemon=True)
    t.start()
    pipe(conn, up)
    t.join()
    conn.close()
    up.close()


def main():
    cert, key, upstream, port_file, parent = sys.argv[1:6]

    def watch_parent():
        while True:
            try:
                os.kill(int(parent), 0)
            except OSError:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch_parent, daemon=True).start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    while True:
        raw, _ = listener.accept()

        def handshake_then_serve(raw=raw):
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()  # the client refused our certificate: that is its answer
                return
            serve(conn, int(upstream))

        threading.Thread(target=handshake_then_serve, daemon=True).start()


if __name__ == "__main__":
    main()
