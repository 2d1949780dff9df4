"""The crumbs binary under pressure: thousands of idle connections, the connection limit,
and a graceful stop with requests in flight."""

import http.client
import json
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import Crumbs, get


@pytest.fixture(autouse=True)
def enough_file_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 20_000)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_idle_keep_alive(port, count):
    """`count` keep-alive connections that each made one request and now sit idle."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.sendall(b"GET /crumbs HTTP/1.1\r\nHost: a\r\n\r\n")
        sockets.append(connection)
    for connection in sockets:
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += connection.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:40]
    return sockets


def test_five_thousand_idle_keep_alive_connections_are_held_and_others_still_served(tmp_path, key_file):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file), "--timeout", "60"], cwd=tmp_path)
    try:
        idle = open_idle_keep_alive(server.port, 5000)
        started = time.monotonic()
        status, _, body = get(server.port, "/sessions/count")
        assert status == 200 and json.loads(body)["session"]["session_value"] == 1
        assert time.monotonic() - started < 1.0
        # The idle ones are still open and usable.
        idle[0].sendall(b"GET /sessions/hello HTTP/1.1\r\nHost: a\r\n\r\n")
        assert idle[0].recv(4096).startswith(b"HTTP/1.1 200")
        for connection in idle:
            connection.close()
    finally:
        server.stop()


def test_connections_beyond_the_limit_are_refused_cleanly(tmp_path, key_file):
    server = Crumbs(
        ["--port", "0", "--secret-key-file", str(key_file), "--threads", "1", "--max-connections", "100"],
        cwd=tmp_path,
    )
    try:
        held = open_idle_keep_alive(server.port, 100)
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        reply = extra.recv(4096)
        assert reply.startswith(b"HTTP/1.1 503"), reply[:60]
        assert b'"status": 503' in reply
        assert extra.recv(4096) == b""
        for connection in held[:10]:
            connection.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if get(server.port, "/crumbs")[0] == 200:
                    break
            except (ConnectionError, http.client.HTTPException):
                time.sleep(0.1)
        else:
            pytest.fail("no connection was served after others closed")
        for connection in held[10:]:
            connection.close()
    finally:
        code, _, _ = server.stop()
        assert code == 0


def test_sigterm_with_requests_in_flight_loses_none_and_exits_zero(tmp_path, key_file):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file), "--threads", "2"], cwd=tmp_path)
    results = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                status, _, body = get(server.port, "/sessions/count")
                results.append((status, len(body)))
            except (ConnectionError, http.client.HTTPException, OSError):
                results.append(("refused", 0))
                return

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    # The signal comes once the clients are well under way, not after a guessed pause.
    deadline = time.monotonic() + 30
    while len(results) < 100 and time.monotonic() < deadline:
        threads[0].join(0.01)
    assert len(results) >= 100, "the clients made no progress"
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(timeout=15)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert code == 0
    answered = [r for r in results if r[0] != "refused"]
    assert len(answered) > 50
    # Every request that got an answer got a whole one: no truncated bodies, no 5xx.
    assert all(status == 200 and length > 100 for status, length in answered), set(answered)
    _, err = server.process.communicate(timeout=5)
    assert "finishing replies under way" in err and "stopped" in err


def test_a_reply_cut_by_a_reset_does_not_stall_the_graceful_stop(tmp_path, key_file):
    """libevent calls a reply's completion callback only once its last byte is written; a
    client that resets mid-reply never lets that happen. The stop must not wait for it."""
    server = Crumbs(
        ["--port", "0", "--secret-key-file", str(key_file), "--threads", "1", "--shutdown-grace", "60"],
        cwd=tmp_path,
    )
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    client.connect(("127.0.0.1", server.port))
    # 2,000 pages (~9 KB each) pipelined: far more than the kernel's buffers hold, so while
    # this client reads nothing a reply is always half-written.
    client.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 2000)
    # The first bytes of the first reply have arrived: the server is writing.
    client.settimeout(10)
    assert client.recv(1, socket.MSG_PEEK) == b"H"
    # A reset (linger 0) while the reply is under way.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()
    # The server is still serving after the reset.
    assert get(server.port, "/crumbs")[0] == 200
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        pytest.fail("SIGTERM waited for a reply whose client had gone (grace is 60 s)")
    assert code == 0
    assert time.monotonic() - started < 20
