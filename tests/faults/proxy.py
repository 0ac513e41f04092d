"""A TCP proxy for fault tests: in front of PostgreSQL or Redis, it passes traffic, refuses, cuts or stalls it.

One thread accepts, one thread per connection pumps both directions. The faults:

- `refuse()`: new connections are reset as soon as they are accepted (a server that is
  down, or a firewall); open ones go on.
- `cut()`: every open connection is reset now.
- `cut_after_reply_to(marker)`: the first connection whose client sends a message holding
  `marker` gets the server's reply to it (or, with `deliver_reply=False`, loses it), then
  is reset, and from then on new connections are refused: the server did the work, and
  the client may learn nothing more.
- `stall()`: nothing is forwarded any more, on open or new connections, and nothing is
  closed: the client waits, as on a stopped server or a lost network.
- `pass_through()`: back to normal (a stalled connection resumes where it stood).
"""

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Callable

POLL_SECONDS = 0.02
# Waiting for a cut to take effect on every connection, or for the threads to stop.
SETTLE_SECONDS = 5.0

ReplyComplete = Callable[[bytes], bool]


def any_reply(reply: bytes) -> bool:
    """The first bytes the server sends back count as its reply."""
    return bool(reply)


def postgres_ready_for_query(reply: bytes) -> bool:
    """PostgreSQL's reply is complete at ReadyForQuery: "Z", length 5, the transaction status (I, T or E)."""
    return len(reply) >= 6 and reply[-6:-1] == b"Z\x00\x00\x00\x05" and reply[-1:] in (b"I", b"T", b"E")


def _reset(sock: socket.socket) -> None:
    # SO_LINGER 0: close() sends RST, as a crashed server or a middlebox dropping state would.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _close(sock: socket.socket, *, abruptly: bool) -> None:
    if abruptly:
        _reset(sock)
    else:
        sock.close()


class _Link:
    """One client connection and its own connection to the server."""

    def __init__(self, proxy: "FaultProxy", client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.kill = threading.Event()
        self.closed = threading.Event()
        self._tail = b""  # the end of the client's last bytes, so a marker split across reads is seen
        self._awaiting: ReplyComplete | None = None
        self._reply = b""
        self.thread = threading.Thread(target=self._pump, name=f"{proxy.name}-link", daemon=True)

    def _pump(self) -> None:
        abruptly = True  # cut, or an error: reset both sides
        try:
            while not self.kill.is_set():
                if self.proxy.stalled:
                    self.kill.wait(POLL_SECONDS)
                    continue
                readable, _, _ = select.select([self.client, self.server], [], [], POLL_SECONDS)
                for sock in readable:
                    if self.kill.is_set() or self.proxy.stalled:
                        break
                    data = sock.recv(65536)
                    if not data:
                        abruptly = False  # one side closed: close the other as politely
                        return
                    if sock is self.client:
                        self._from_client(data)
                    elif self._from_server(data):
                        return
        except OSError:
            return
        finally:
            _close(self.client, abruptly=abruptly)
            _close(self.server, abruptly=abruptly)
            self.closed.set()
            self.proxy._forget(self)

    def _from_client(self, data: bytes) -> None:
        marker = self.proxy._armed_marker
        if marker is not None and self._awaiting is None and marker in self._tail + data:
            self._awaiting = self.proxy._claim_trigger()
        self._tail = (self._tail + data)[-64:]
        self.server.sendall(data)

    def _from_server(self, data: bytes) -> bool:
        """Forward `data`; True when the reply to the marked message is complete and the link must be cut.

        A reply the proxy was told to lose is held back whole, then dropped with the connection.
        """
        if self._awaiting is None:
            self.client.sendall(data)
            return False
        if self.proxy._deliver_reply:
            self.client.sendall(data)
        self._reply += data
        if not self._awaiting(self._reply):
            return False
        self.proxy._fired()
        return True


class FaultProxy:
    """Listens on 127.0.0.1 and forwards to (host, port); see the module's docstring for the faults."""

    def __init__(self, host: str, port: int, *, name: str = "proxy") -> None:
        self.upstream = (host, port)
        self.name = name
        self.host = "127.0.0.1"
        self.port = 0
        self.accepted = 0  # connections accepted, refused ones included: proof that traffic came this way
        self.refused = 0
        self.stalled = False
        self.fired = threading.Event()  # cut_after_reply_to has cut its connection
        self._refusing = False
        self._armed_marker: bytes | None = None
        self._reply_complete: ReplyComplete = any_reply
        self._then_refuse = True
        self._deliver_reply = True
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FaultProxy":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(64)
        listener.settimeout(POLL_SECONDS * 5)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept", daemon=True)
        self._acceptor.start()
        return self

    def close(self) -> None:
        """Stop accepting and reset every connection."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(SETTLE_SECONDS)
        if self._listener is not None:
            self._listener.close()
        self.cut()

    # --- faults ----------------------------------------------------------------------------

    def pass_through(self) -> None:
        with self._lock:
            self._refusing = False
            self.stalled = False
            self._armed_marker = None

    def refuse(self) -> None:
        self._refusing = True

    def stall(self) -> None:
        self.stalled = True

    def cut(self) -> None:
        """Reset every open connection; return once they are all closed."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.kill.set()
        for link in links:
            if not link.closed.wait(SETTLE_SECONDS):
                raise RuntimeError(f"{self.name}: a connection was not cut within {SETTLE_SECONDS} s")

    def cut_after_reply_to(
        self,
        marker: bytes,
        *,
        reply_complete: ReplyComplete = any_reply,
        deliver_reply: bool = True,
        then_refuse: bool = True,
    ) -> None:
        """Arm a one-shot cut: after the server's complete reply to the first client message holding `marker`.

        `deliver_reply` False loses that reply: the server did the work, the client never hears of it.
        """
        with self._lock:
            self.fired.clear()
            self._reply_complete = reply_complete
            self._then_refuse = then_refuse
            self._deliver_reply = deliver_reply
            self._armed_marker = marker

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._links)

    # --- internals -------------------------------------------------------------------------

    def _claim_trigger(self) -> ReplyComplete | None:
        # Only the first marked message fires: the proxy disarms as it claims it.
        with self._lock:
            if self._armed_marker is None:
                return None
            self._armed_marker = None
            return self._reply_complete

    def _fired(self) -> None:
        if self._then_refuse:
            self._refusing = True
        self.fired.set()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            if self._refusing:
                self.refused += 1
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=SETTLE_SECONDS)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            client.settimeout(None)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, server)
            with self._lock:
                self._links.add(link)
            link.thread.start()
