"""The system calls a keep-alive request costs the release binary, counted with strace.

evhttp alone queues a reply, asks epoll to say when the socket is writable (epoll_ctl),
writes once it is told, then stops asking (epoll_ctl again). Crumbs writes the reply as
soon as it is made (`EventLoop.writeThrough`), so a request costs one read, one write and
one epoll_ctl: the one libevent spends re-arming reading, which evhttp stopped when it
handed the request over (its changelist turns that stop-and-start into a MOD)."""

import signal
import socket
import subprocess

from conftest import Crumbs

REQUESTS = 200


def read_response(stream):
    """Status code and body of one response on a kept-alive connection."""
    status = int(stream.readline().split()[1])
    length = 0
    while (line := stream.readline()) != b"\r\n":
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, stream.read(length)


def traced_calls(tmp_path, key_file, path):
    """Runs crumbs under strace, sends REQUESTS requests for `path` one after another on one
    connection, and returns the traced lines."""
    trace = tmp_path / "trace"
    server = Crumbs(
        ["serve", "--port", "0", "--threads", "1", "--secret-key-file", str(key_file)],
        cwd=tmp_path,
        prefix=["strace", "-f", "-qq", "-e", "trace=epoll_ctl,writev,sendmsg", "-o", str(trace)],
    )
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            stream = connection.makefile("rb")
            for _ in range(REQUESTS):
                connection.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
                status, body = read_response(stream)
                assert status == 200 and body
    finally:
        # SIGTERM to crumbs itself, strace's child, for the graceful stop.
        (child,) = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
        subprocess.run(["kill", "-TERM", child], check=True)
        server.process.communicate(timeout=10)
    return trace.read_text().splitlines()


def count(lines, call):
    return sum(1 for line in lines if line.split(maxsplit=1)[1].startswith(call + "("))


def test_a_keep_alive_request_costs_one_write_and_one_epoll_ctl(tmp_path, key_file):
    for path in ("/sessions/count", "/crumbs", "/"):
        lines = traced_calls(tmp_path, key_file, path)
        # One writev a reply, headers and body together; nothing else is written for them.
        assert count(lines, "writev") == REQUESTS, path
        assert count(lines, "sendmsg") == 0, path
        # The connection's ADD and a few set-up and shut-down calls besides; evhttp alone
        # would make 2 a request.
        epoll_ctl = count(lines, "epoll_ctl")
        assert REQUESTS <= epoll_ctl <= REQUESTS + 10, (path, epoll_ctl)
