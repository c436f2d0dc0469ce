"""HTTP load on a server under measure: client threads on keep-alive connections that time every answer, a
back-office session logged in through the login form, percentiles of what was timed."""

from __future__ import annotations

import http.client
import queue
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from django.core.management.base import CommandError


@dataclass
class RequestPath:
    """One measured kind of request: its URLs (one drawn at random per request), how it authenticates
    (``"token"`` or ``"session"``), its p95 target in ms (None: measured, not judged), and what was timed."""

    name: str
    target_ms: int | None
    auth: str
    urls: list[str]
    times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def summary(self) -> dict:
        times = sorted(self.times)
        return {
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "max_ms": round(times[-1], 1) if times else None,
            "requests": len(times),
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "target_p95_ms": self.target_ms,
        }


def session_login(port: int, *, username: str, password: str, next_url: str = "/orders/") -> str:
    """Log a back-office user in through the login form; returns the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    jar = _cookies(response)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise CommandError("the login page has no CSRF token")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1), "next": next_url}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    jar.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise CommandError(f"logging in the back-office user failed (HTTP {response.status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _cookies(response) -> dict[str, str]:
    jar = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def connection_open(port: int, timeout: float = 60) -> http.client.HTTPConnection:
    """A keep-alive connection to the server under measure on 127.0.0.1."""
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def clients_run(port: int, jobs: list, clients: int, send, *, progress=None, timeout: float = 60) -> None:
    """Work ``jobs`` off from ``clients`` threads, each on a keep-alive connection of its own:
    ``send(conn, job)`` sends one and returns the connection to go on with (a new one after an error or a
    server's close). ``progress`` is told how many jobs are done while they run."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    lock = threading.Lock()
    done = [0]

    def client():
        conn = connection_open(port, timeout)
        while True:
            try:
                job = work.get_nowait()
            except queue.Empty:
                break
            conn = send(conn, job)
            with lock:
                done[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(max(1, clients))]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if progress:
            progress(done[0])
        time.sleep(0.2)
    if progress:
        progress(done[0])


def load_drive(
    port: int, jobs: list[tuple[RequestPath, str]], headers, clients: int, *, record: bool, progress=None
) -> None:
    """GET ``jobs`` (path, URL) from ``clients`` threads with the headers of each path's ``auth``; with
    ``record``, each answer's time and status goes to its path."""
    lock = threading.Lock()

    def send(conn, job):
        path, url = job
        started = time.perf_counter()
        try:
            conn.request("GET", url, headers=headers[path.auth])
            response = conn.getresponse()
            response.read()
            status = response.status
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = connection_open(port)
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        if record:
            with lock:
                path.times.append(elapsed)
                path.statuses[status] = path.statuses.get(status, 0) + 1
        return conn

    clients_run(port, jobs, clients, send, progress=progress)


def percentile(times: list[float], pct: int) -> float | None:
    """The ``pct``-th percentile of sorted ``times`` (nearest rank), rounded to 0.1; None when empty."""
    if not times:
        return None
    index = min(len(times) - 1, max(0, round(pct / 100 * len(times)) - 1))
    return round(times[index], 1)


def post_encode(port: int, path: str, body: bytes, headers: dict) -> bytes:
    """A POST to 127.0.0.1:``port`` as the bytes sent on the wire (HTTP/1.1, keep-alive), encoded once so that
    a load generator sends it again and again without building it."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in ("host", "content-length")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class KeepAlive:
    """One keep-alive connection to 127.0.0.1 that sends encoded requests (``post_encode``) and reads only what
    a load generator needs of each answer — its status — at a small part of ``http.client``'s cost (which parses
    every header with the email package). Answers framed by ``Content-Length``, chunked, or by the server's
    close are read; after an error or the server's ``Connection: close`` the next request opens a new
    connection."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.address = ("127.0.0.1", port)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def post(self, request: bytes) -> int:
        """Send one request and read its answer; its status, 0 when the connection failed."""
        try:
            if self.sock is None:
                self.sock = socket.create_connection(self.address, timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buffer = b""
            self.sock.sendall(request)
            status, close = self._answer()
        except (OSError, ValueError, IndexError):
            self.close()
            return 0
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += data

    def _take(self, size: int) -> None:
        while len(self.buffer) < size:
            self._fill()
        self.buffer = self.buffer[size:]

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line

    def _answer(self) -> tuple[int, bool]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, lines[0].startswith(b"HTTP/1.0")
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"connection":
                close = value == b"close"
        if status in (204, 304) or 100 <= status < 200:
            return status, close
        if chunked:
            while size := int(self._line().split(b";", 1)[0], 16):
                self._take(size + 2)  # the chunk and its CRLF
            while self._line():  # trailers, up to the empty line
                pass
        elif length is not None:
            self._take(length)
        else:  # framed by the server's close
            try:
                while True:
                    self._fill()
            except ConnectionResetError:
                pass
            close = True
        return status, close


def http_post(port: int, path: str, body: bytes, headers: dict) -> int:
    """One POST on a connection of its own; the status, 0 when nothing answered."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0


def http_get(port: int, path: str, headers: dict) -> tuple[int, str]:
    """One GET on a connection of its own; status and text, (0, "") when nothing answered."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        conn.close()
        return response.status, text
    except (OSError, http.client.HTTPException):
        return 0, ""
