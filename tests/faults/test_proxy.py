"""The fault proxy itself, in front of a local echo server: each fault does what the fault tests rely on.

Needs neither PostgreSQL nor Redis, so it runs everywhere.
"""

import contextlib
import socket
import threading

import pytest

from tests.faults.proxy import FaultProxy, postgres_ready_for_query

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def echo_server():
    """Answers each read with "ok:" and what it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the proxy resets it when it cuts
            while data := conn.recv(4096):
                conn.sendall(b"ok:" + data)

    def accept() -> None:
        listener.settimeout(0.1)
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()
    stopping.set()
    thread.join(5)
    listener.close()


@pytest.fixture
def proxy(echo_server):
    proxy = FaultProxy(*echo_server, name="echo").start()
    yield proxy
    proxy.close()


def connect(proxy: FaultProxy) -> socket.socket:
    return socket.create_connection((proxy.host, proxy.port), timeout=2)


def ask(sock: socket.socket, message: bytes) -> bytes:
    sock.sendall(message)
    return sock.recv(4096)


RESET = (ConnectionResetError, BrokenPipeError)


def assert_reset(sock: socket.socket) -> None:
    with pytest.raises(RESET):
        # A reset shows on the first call after it arrives, which may be the second of these.
        ask(sock, b"anyone there?")
        ask(sock, b"anyone there?")


def assert_refused(proxy: FaultProxy) -> None:
    # The reset can arrive while connecting, or on the first call after.
    with pytest.raises(RESET), connect(proxy) as sock:
        ask(sock, b"hello")
        ask(sock, b"hello")


def test_passes_traffic_through(proxy):
    with connect(proxy) as sock:
        assert ask(sock, b"hello") == b"ok:hello"
    assert proxy.accepted == 1


def test_refused_connections_are_reset_and_open_ones_go_on(proxy):
    with connect(proxy) as before:
        assert ask(before, b"first") == b"ok:first"
        proxy.refuse()

        assert_refused(proxy)

        assert ask(before, b"still") == b"ok:still"
    assert proxy.refused == 1


def test_cut_resets_open_connections(proxy):
    with connect(proxy) as sock:
        assert ask(sock, b"first") == b"ok:first"

        proxy.cut()

        assert_reset(sock)
    assert proxy.open_connections == 0


def test_cut_after_the_reply_to_a_marked_message_then_refuses(proxy):
    proxy.cut_after_reply_to(b"COMMIT")
    with connect(proxy) as sock:
        assert ask(sock, b"SELECT 1") == b"ok:SELECT 1"
        # The server's reply to the marked message still reaches the client; then the connection goes.
        assert ask(sock, b"COMMIT") == b"ok:COMMIT"
        assert proxy.fired.wait(2)
        assert_reset(sock)
    assert_refused(proxy)


def test_a_lost_reply_is_never_delivered(proxy):
    proxy.cut_after_reply_to(b"INCR", deliver_reply=False)
    with connect(proxy) as sock:
        sock.sendall(b"INCR counter")
        with pytest.raises(RESET):
            # The server answered; the client gets the reset instead of the answer.
            assert sock.recv(4096) == b""
    assert proxy.fired.is_set()


def test_stall_forwards_nothing_and_closes_nothing_until_released(proxy):
    with connect(proxy) as sock:
        proxy.stall()
        sock.sendall(b"waiting")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(4096)
        assert proxy.open_connections == 1

        proxy.pass_through()

        sock.settimeout(2)
        assert sock.recv(4096) == b"ok:waiting"


def test_a_new_connection_stalls_too(proxy):
    proxy.stall()
    with connect(proxy) as sock:
        sock.sendall(b"hello")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(4096)


def test_postgres_reply_ends_at_ready_for_query():
    command_complete = b"C\x00\x00\x00\x0bCOMMIT\x00"
    assert postgres_ready_for_query(command_complete + b"Z\x00\x00\x00\x05I")
    assert not postgres_ready_for_query(command_complete)
    assert not postgres_ready_for_query(b"Z\x00\x00\x00\x05X")
