"""The access log never holds up a loop, and its lines stay whole: one writer thread writes
every line, however long, whichever loop served it."""

import os
import re
import select
import socket
import threading
import time

from conftest import Crumbs

LINE = re.compile(
    r'^127\.0\.0\.1 - - \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /(?P<marker>[0-9]+-[0-9]+)x+ HTTP/1\.1" 404 \d+$'
)


def long_target(marker, length=5000):
    """A path longer than PIPE_BUF (4096), which a pipe does not keep whole across writers."""
    head = f"/{marker}"
    return head + "x" * (length - len(head))


def request_on(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply


def read_to_end(descriptor, into):
    """Reads a non-blocking FIFO until every writer has closed it."""
    while True:
        try:
            chunk = os.read(descriptor, 1 << 20)
        except BlockingIOError:
            select.select([descriptor], [], [], 1)
            continue
        if not chunk:
            return
        into.extend(chunk)


def test_a_log_nobody_reads_does_not_hold_up_the_server(tmp_path, key_file):
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    # A reader that exists but reads nothing until the end: a pipe holds 64 KB.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    server = Crumbs(
        ["--port", "0", "--secret-key-file", str(key_file), "--threads", "1", "--access-log", str(fifo)],
        cwd=tmp_path,
    )
    try:
        count = 400  # 2 MB of log lines
        for index in range(count):
            reply = request_on(server.port, long_target(f"0-{index}"))
            assert reply.startswith(b"HTTP/1.1 404"), (index, reply[:60])
        # Only now is the log read; the server writes what it kept as the reader drains it.
        collected = bytearray()
        collector = threading.Thread(target=read_to_end, args=(reader, collected))
        collector.start()
        code, _, _ = server.stop()
        collector.join()
        assert code == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
    os.close(reader)
    lines = collected.decode().splitlines()
    # Every line was kept for the reader and written once the server stopped.
    assert [LINE.match(line)["marker"] for line in lines] == [f"0-{index}" for index in range(count)]


def test_lines_longer_than_pipe_buf_from_two_loops_stay_whole(tmp_path, key_file):
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    server = Crumbs(
        ["--port", "0", "--secret-key-file", str(key_file), "--threads", "2", "--access-log", str(fifo)],
        cwd=tmp_path,
    )
    data = bytearray()
    done = threading.Event()

    def read_slowly():
        # Small reads with a pause between: the pipe stays nearly full, so a writer of more
        # than PIPE_BUF bytes is often part-way through its line when another loop writes.
        while not done.is_set():
            try:
                data.extend(os.read(reader, 1024))
                time.sleep(0.0002)
            except BlockingIOError:
                select.select([reader], [], [], 0.01)

    drainer = threading.Thread(target=read_slowly)
    drainer.start()
    clients, per_client = 16, 25

    def client(number):
        for index in range(per_client):
            reply = request_on(server.port, long_target(f"{number}-{index}", 5000 + 37 * number))
            assert reply.startswith(b"HTTP/1.1 404")

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    drainer.join()
    collector = threading.Thread(target=read_to_end, args=(reader, data))
    collector.start()
    code, _, _ = server.stop()
    collector.join()
    os.close(reader)
    assert code == 0
    lines = data.decode().splitlines()
    markers = []
    for line in lines:
        match = LINE.match(line)
        assert match, f"a line was cut or interleaved: {line[:120]!r}...{line[-60:]!r}"
        markers.append(match["marker"])
    assert sorted(markers) == sorted(f"{n}-{i}" for n in range(clients) for i in range(per_client))


def test_requests_evhttp_refuses_itself_are_logged_too(tmp_path, key_file):
    """A request evhttp refuses before any route sees it gets its line: what evhttp could not
    read, or had let go of, is `-` (it frees a request's target before a 400 or 413)."""
    log = tmp_path / "access.log"
    server = Crumbs(["--port", "0", "--threads", "1", "--secret-key-file", str(key_file), "--access-log", str(log)],
                    cwd=tmp_path)
    try:
        for request in (
            b"GARBAGE\r\n\r\n",
            b"BREW /crumbs HTTP/1.1\r\nHost: a\r\n\r\n",
            b"PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n",
            b"GET /crumbs HTTP/1.1\r\nHost: a\r\nBroken\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
                connection.sendall(request)
                while connection.recv(65536):
                    pass
    finally:
        code, _, err = server.stop()
    assert code == 0, err
    date = r"\[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d \+0000\]"
    expected = [
        r'"- - HTTP/1\.1" 400 153',
        r'"- /crumbs HTTP/1\.1" 501 119',
        r'"PUT - HTTP/1\.1" 413 154',
        r'"GET - HTTP/1\.1" 400 153',
    ]
    lines = log.read_text().splitlines()
    assert len(lines) == len(expected), lines
    for line, tail in zip(lines, expected):
        assert re.fullmatch(rf"127\.0\.0\.1 - - {date} {tail}", line), line
