"""A TCP proxy for faults below HTTP (issue 17, the fault matrix).

The test endpoint injects faults at the HTTP level (error answers, a reset
before any byte, a body cut with a Content-Length 512 bytes too large). What
happens to an answer *while it travels* is played here: the proxy sits
between efstop and the endpoint (and, through it, s3rver), relays bytes both
ways, and when a request matches an armed rule it damages that request's
answer:

| action | what the client sees |
|---|---|
| reset_mid | the answer's headers and half its body, then a TCP RST |
| cut_right_length | the headers (Content-Length right), half the body, then FIN |
| cut_wrong_length | Content-Length rewritten to half the body, that half, then FIN: a complete-looking, shorter answer |
| stall | the headers and half the body, then nothing for `seconds`, then FIN |
| drip | the headers, then the body one byte every `seconds` for `bytes` bytes, then the rest |

A rule matches on a byte string found in the request (request line, headers
or body: a path, `Logs_20140328.FilterLogEvents`, `Action=AssumeRole`), or on
several that must all be there (a key and `Range: bytes=`); it
lets `skip` matching requests through, then fires `count` times. Requests are
told apart without parsing HTTP: curl sends a request only after the whole
previous answer (no pipelining), so upstream bytes that arrive after new
client bytes begin a new answer.

Used in-process (`FaultProxy(upstream_port).start()`), Python 3 only.
"""

import socket
import struct
import threading
import time


class Rule:
    def __init__(self, match, action, count=1, skip=0, seconds=0.0, nbytes=0, on_fire=None):
        # One byte string, or a tuple of them that must all be in the request
        # (an object's key and "Range: bytes=": its ranged GETs only).
        parts = match if isinstance(match, tuple) else (match,)
        self.matches = [m.encode() if isinstance(m, str) else m for m in parts]
        self.action = action
        self.count = count
        self.skip = skip
        self.seconds = seconds
        self.nbytes = nbytes
        self.on_fire = on_fire  # called (no arguments) once the damage is done
        self.fired = 0


def _rst_close(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Wakes the relay thread blocked in recv() on this socket (it holds
        # the socket open, and the RST goes out only on the last close).
        sock.shutdown(socket.SHUT_RD)
        time.sleep(0.05)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _fin_close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class FaultProxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self._rules = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stopped = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self):
        self._stopped = True
        _fin_close(self._listener)

    def arm(self, rule):
        with self._lock:
            self._rules.append(rule)

    def clear(self):
        with self._lock:
            self._rules = []

    def fired(self):
        with self._lock:
            return sum(r.fired for r in self._rules)

    def _take(self, request_bytes):
        with self._lock:
            for rule in self._rules:
                if rule.fired >= rule.count or not all(m in request_bytes for m in rule.matches):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                rule.fired += 1
                return rule
        return None

    def _accept_loop(self):
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            upstream = socket.create_connection(self.upstream)
        except OSError:
            _rst_close(client)
            return
        conn = {"req": b"", "lock": threading.Lock(), "closed": False}

        def up():  # client -> upstream
            try:
                while True:
                    data = client.recv(65536)
                    if not data:
                        break
                    with conn["lock"]:
                        conn["req"] += data
                    upstream.sendall(data)
            except OSError:
                pass
            try:
                upstream.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        threading.Thread(target=up, daemon=True).start()
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                with conn["lock"]:
                    request, conn["req"] = conn["req"], b""
                rule = self._take(request) if request else None
                if rule is None:
                    client.sendall(data)
                    continue
                self._damage(rule, data, upstream, client)
                if rule.on_fire is not None:
                    rule.on_fire()
                return
        except OSError:
            pass
        _fin_close(client)
        _fin_close(upstream)

    def _damage(self, rule, data, upstream, client):
        # Collect the headers and, where the length is known, the whole body.
        while b"\r\n\r\n" not in data:
            more = upstream.recv(65536)
            if not more:
                break
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        want = length if length is not None else len(body)
        upstream.settimeout(2.0)
        try:
            while len(body) < want:
                more = upstream.recv(65536)
                if not more:
                    break
                body += more
        except OSError:
            pass
        half = body[: max(1, len(body) // 2)] if body else b""
        if rule.action == "reset_mid":
            client.sendall(head + b"\r\n\r\n" + half)
            _rst_close(client)
        elif rule.action == "cut_right_length":
            client.sendall(head + b"\r\n\r\n" + half)
            _fin_close(client)
        elif rule.action == "cut_wrong_length":
            lines = []
            for line in head.split(b"\r\n"):
                name, _, _ = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    line = b"Content-Length: " + str(len(half)).encode()
                lines.append(line)
            client.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + half)
            _fin_close(client)
        elif rule.action == "stall":
            client.sendall(head + b"\r\n\r\n" + half)
            time.sleep(rule.seconds)
            _fin_close(client)
        elif rule.action == "drip":
            client.sendall(head + b"\r\n\r\n")
            n = min(rule.nbytes, len(body))
            for i in range(n):
                client.sendall(body[i:i + 1])
                time.sleep(rule.seconds)
            client.sendall(body[n:])
            # The connection stays usable: relay what follows as usual.
            self._relay_rest(client, upstream)
            return
        else:
            raise ValueError(f"unknown proxy action {rule.action!r}")
        _fin_close(upstream)

    def _relay_rest(self, client, upstream):
        upstream.settimeout(None)
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass
        _fin_close(client)
        _fin_close(upstream)
