"""The release binary answers the requests evhttp refuses itself in JSON, as every other
error, not with libevent's HTML pages: proof that the executable's evhttp_send_error takes
the place of libevent's (ELF interposition) in the binary users run."""

import json
import socket

import pytest


def exchange(port, request: bytes) -> bytes:
    """Sends `request` and reads until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(request)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    "request_bytes, status, reason",
    [
        (b"GARBAGE\r\n\r\n", 400, "Bad Request"),
        (b"GET /crumbs HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 20_000 + b"\r\n\r\n", 400, "Bad Request"),
        (b"PUT /sessions/x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n", 413, "Content Too Large"),
        (b"PUT /sessions/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 413, "Content Too Large"),
        (b"PUT /sessions/x HTTP/1.1\r\nHost: a\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}", 417, "Expectation Failed"),
        (b"BREW /crumbs HTTP/1.1\r\nHost: a\r\n\r\n", 501, "Not Implemented"),
    ],
)
def test_evhttps_refusals_are_json(crumbs, request_bytes, status, reason):
    reply = exchange(crumbs.port, request_bytes)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("ascii").split("\r\n")
    assert lines[0] == f"HTTP/1.1 {status} {reason}"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Content-Type"] == "application/json"
    assert headers["Connection"] == "close"
    assert int(headers["Content-Length"]) == len(body)
    error = json.loads(body)
    assert error["status"] == status and error["error"] == reason and error["message"]
    # Flask's jsonify layout: two-space indent, sorted keys, a final newline.
    assert body == (json.dumps(error, indent=2, sort_keys=True) + "\n").encode()
