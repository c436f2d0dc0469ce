"""The simulator's senders: requests encoded once, answers read on a keep-alive connection however they are
framed, a new connection after the server closes one."""

from __future__ import annotations

import socket
import threading

from integrations.benchmarks.http_load import KeepAlive, post_encode

ANSWERS = [
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}',
    b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=1\r\nefg\r\n0\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy",
    b"HTTP/1.0 200 OK\r\n\r\nread until the server closes",
    b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
]


def _server(received: list[bytes], connections: list[int]) -> int:
    """A server on 127.0.0.1 that reads each request whole and answers ``ANSWERS`` in turn, closing the
    connection where the answer says so (503 and HTTP/1.0). Returns its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    answers = iter(ANSWERS)

    def serve():
        while True:
            conn, _ = listener.accept()
            connections.append(1)
            buffer = b""
            with conn:
                while True:
                    while b"\r\n\r\n" not in buffer:
                        data = conn.recv(65536)
                        if not data:
                            break
                        buffer += data
                    if b"\r\n\r\n" not in buffer:
                        break
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = int(next(h for h in head.split(b"\r\n") if h.startswith(b"Content-Length:")).split()[1])
                    while len(buffer) < length:
                        buffer += conn.recv(65536)
                    received.append(head + b"\r\n\r\n" + buffer[:length])
                    buffer = buffer[length:]
                    answer = next(answers, None)
                    if answer is None:
                        return
                    conn.sendall(answer)
                    if b"Connection: close" in answer or answer.startswith(b"HTTP/1.0"):
                        break

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_a_request_is_encoded_once_with_its_length_host_and_headers():
    body = '{"id": 1, "name": "订单"}'.encode()
    raw = post_encode(8000, "/webhooks/shopify/S1/", body, {"Content-Type": "application/json", "X-Shopify-Topic": "t"})
    head, _, sent_body = raw.partition(b"\r\n\r\n")
    assert sent_body == body
    assert head.split(b"\r\n") == [
        b"POST /webhooks/shopify/S1/ HTTP/1.1",
        b"Host: 127.0.0.1:8000",
        f"Content-Length: {len(body)}".encode(),
        b"Content-Type: application/json",
        b"X-Shopify-Topic: t",
    ]


def test_answers_are_read_however_framed_and_a_closed_connection_is_opened_again():
    received: list[bytes] = []
    connections: list[int] = []
    port = _server(received, connections)
    conn = KeepAlive(port, timeout=5)
    requests = [post_encode(port, f"/p/{n}/", f"body {n}".encode(), {}) for n in range(len(ANSWERS))]
    statuses = [conn.post(request) for request in requests]
    conn.close()
    assert statuses == [200, 202, 204, 503, 200, 201]
    assert received == requests  # each request arrived whole, in order
    # The first four answers on one connection; the 503 closed it, the HTTP/1.0 answer closed the next one.
    assert len(connections) == 3


def test_no_server_is_status_zero():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    assert KeepAlive(port, timeout=1).post(post_encode(port, "/", b"", {})) == 0
