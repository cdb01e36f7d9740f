"""The deployment test sees, from /proc, an answer that waits unread in a process's socket."""

from __future__ import annotations

import os
import socket
import time

from sandbox_client import TCP_ESTABLISHED, connected_to, sockets_to


def test_sockets_to_shows_an_answer_not_yet_read() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            with accepted:
                assert sockets_to(os.getpid(), port) == [(TCP_ESTABLISHED, 0, 0)]
                assert connected_to(os.getpid(), port)

                accepted.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                deadline = time.monotonic() + 5
                while not sockets_to(os.getpid(), port)[0].unread and time.monotonic() < deadline:
                    time.sleep(0.01)

                assert sockets_to(os.getpid(), port) == [(TCP_ESTABLISHED, 0, 19)]
                client.recv(100)
                assert sockets_to(os.getpid(), port) == [(TCP_ESTABLISHED, 0, 0)]
        assert sockets_to(os.getpid(), port) == []  # closed: no descriptor holds it any more
