# HTTPS in front of the plain-HTTP test endpoint, and an HTTP CONNECT proxy, for
# the tests (tests/harness/tls_front.h) and scripts/release_check.sh (the release
# files talk HTTPS to a name from /etc/hosts, and through HTTPS_PROXY).
#
#   tls_front.py CERT KEY UPSTREAM_PORT STATE_DIR PARENT_PID
#
# Writes STATE_DIR/tls_port and STATE_DIR/proxy_port once listening. The TLS
# side decrypts and relays bytes to 127.0.0.1:UPSTREAM_PORT unchanged (the
# Host header the client signed reaches the endpoint as sent). The proxy
# answers `CONNECT host:port` by connecting to 127.0.0.1:port, whatever the
# host (the test name resolves only inside the roots), and appends the
# CONNECT target to STATE_DIR/proxy.log. Exits when PARENT_PID is gone.
import os
import socket
import ssl
import sys
import threading
import time


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client, port):
    upstream = socket.create_connection(("127.0.0.1", port))
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    pump(upstream, client)


def serve_tls(listener, ctx, upstream_port):
    while True:
        conn, _ = listener.accept()

        def handle(c=conn):
            try:
                tls = ctx.wrap_socket(c, server_side=True)
            except (ssl.SSLError, OSError):
                c.close()
                return
            relay(tls, upstream_port)

        threading.Thread(target=handle, daemon=True).start()


def serve_proxy(listener, log_path):
    while True:
        conn, _ = listener.accept()

        def handle(c=conn):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = c.recv(4096)
                if not chunk:
                    c.close()
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split()
            if len(parts) != 3 or parts[0] != "CONNECT":
                c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                c.close()
                return
            with open(log_path, "a") as f:
                f.write(parts[1] + "\n")
            port = int(parts[1].rsplit(":", 1)[1])
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(c, port)

        threading.Thread(target=handle, daemon=True).start()


def listen():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def main():
    cert, key, upstream_port, state, parent = sys.argv[1:6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    tls_listener, proxy_listener = listen(), listen()
    threading.Thread(target=serve_tls, args=(tls_listener, ctx, int(upstream_port)),
                     daemon=True).start()
    threading.Thread(target=serve_proxy, args=(proxy_listener, os.path.join(state, "proxy.log")),
                     daemon=True).start()
    for name, s in (("tls_port", tls_listener), ("proxy_port", proxy_listener)):
        with open(os.path.join(state, name + ".tmp"), "w") as f:
            f.write(str(s.getsockname()[1]))
        os.rename(os.path.join(state, name + ".tmp"), os.path.join(state, name))
    while True:
        try:
            os.kill(int(parent), 0)
        except OSError:
            os._exit(0)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
