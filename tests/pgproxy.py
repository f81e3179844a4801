"""A TCP proxy in front of a real PostgreSQL server that can lose a connection at the worst moment.

``Proxy(target).cut_at_commit(after=True)`` forwards the next COMMIT to the server and then
closes that connection before the server's answer reaches the client: the commit happened,
the client cannot know. ``after=False`` closes it instead of forwarding the COMMIT (nothing
was written). ``down`` refuses new connections (the server is unreachable). Everything else
passes through untouched: the server is real, only the wire between is cut.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress
from urllib.parse import urlsplit, urlunsplit

_COMMIT = b"COMMIT"


class Proxy:
    """Listens on a free port of 127.0.0.1 and forwards to the server of ``url``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))
        self.down = False
        self.cuts = 0
        self._cut: bool | None = None  # None: pass through; True: cut after, False: before
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_at_commit(self, *, after: bool) -> None:
        """Lose the connection at the next COMMIT any client sends (once)."""
        with self._lock:
            self._cut = after

    def drop_all(self) -> None:
        """Cut every connection open now."""
        for sock in list(self._open):
            _close(sock)

    def close(self) -> None:
        self._listener.close()
        self.drop_all()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                _close(client)
                continue
            try:
                server = socket.create_connection(self._target)
            except OSError:
                _close(client)
                continue
            self._open += [client, server]
            muted = threading.Event()  # set: the server's answers no longer reach the client
            for args in ((client, server, True, muted), (server, client, False, muted)):
                threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, to_server: bool, muted: threading.Event
    ) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            cut = self._take_cut(data) if to_server else None
            if cut is False:  # before: the server never sees the COMMIT
                break
            if cut is True:
                muted.set()
            if not (muted.is_set() and not to_server):
                try:
                    sink.sendall(data)
                except OSError:
                    break
            if cut is True:  # after: give the server time to commit, then cut
                time.sleep(0.3)
                if self.down:  # and the server cannot be reached to ask, on any connection
                    self.drop_all()
                break
        _close(source)
        _close(sink)

    def _take_cut(self, data: bytes) -> bool | None:
        with self._lock:
            if self._cut is None or _COMMIT not in data:
                return None
            cut, self._cut = self._cut, None
            self.cuts += 1
            return cut


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
