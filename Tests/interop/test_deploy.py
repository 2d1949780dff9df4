"""Two Crumbs instances behind nginx, configured with deploy/nginx-crumbs.conf itself: one
session across both, tampering refused by both, and a two-pass key rotation done as a
rolling restart while a user keeps counting."""

import http.client
import json
import secrets
import time

import pytest

from conftest import Crumbs, write_key
from lesson_app import create_app, serializer
from nginx_runner import Nginx, free_port


class User:
    """A browser-like client that keeps its session cookie."""

    def __init__(self, port):
        self.port = port
        self.session = None

    def count(self, forwarded_for=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {}
        if self.session:
            headers["Cookie"] = f"session={self.session}"
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        connection.request("GET", "/sessions/count", headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        for name, value in response.getheaders():
            if name == "Set-Cookie" and value.startswith("session="):
                self.session = value.split(";", 1)[0][len("session="):]
        connection.close()
        return json.loads(body)["session"]["session_value"]


def log_lines(path):
    return path.read_text().splitlines() if path.exists() else []


def until_logged(logs, enough, seconds=10):
    """The access logs' lines once `enough(a_lines, b_lines)` holds. Each instance writes its
    log from a thread of its own, after the reply may have gone: a line is looked for until
    it comes, not when the reply does (the time limit only bounds a failure)."""
    deadline = time.monotonic() + seconds
    while True:
        lines = (log_lines(logs["a"]), log_lines(logs["b"]))
        if enough(*lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


@pytest.fixture
def cluster(tmp_path):
    old_key = write_key(tmp_path / "old_key", secrets.token_bytes(32))
    new_key = write_key(tmp_path / "new_key", secrets.token_bytes(32))
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    ports = {}
    instances = {}

    def start(name, keys, trust_proxy):
        args = ["--port", str(ports.get(name, 0)), "--threads", "1", "--access-log", str(logs[name])]
        for key in keys:
            args += ["--secret-key-file", str(key)]
        if trust_proxy:
            args += ["--trusted-proxy", "127.0.0.1"]
        instance = Crumbs(args, cwd=tmp_path)
        ports[name] = instance.port
        instances[name] = instance
        return instance

    def restart(name, keys, trust_proxy):
        code, _, _ = instances[name].stop()
        assert code == 0
        return start(name, keys, trust_proxy)

    start("a", [old_key], True)
    start("b", [old_key], False)
    nginx = Nginx(tmp_path, [ports["a"], ports["b"]], free_port())
    yield {
        "nginx": nginx, "logs": logs, "restart": restart, "old": old_key, "new": new_key,
        "instances": instances,
    }
    nginx.stop()
    for instance in instances.values():
        instance.stop()


def test_one_session_across_two_instances(cluster):
    user = User(cluster["nginx"].port)
    counts = [user.count(forwarded_for="198.51.100.9") for _ in range(10)]
    assert counts == list(range(1, 11))
    # nginx takes turns: five requests each, all ten logged.
    a_lines, b_lines = until_logged(cluster["logs"], lambda a, b: len(a) + len(b) >= 10)
    assert len(a_lines) >= 3 and len(b_lines) >= 3, (len(a_lines), len(b_lines))
    # A trusts nginx and logs the client it names; B trusts nobody and logs nginx.
    assert all(line.startswith("198.51.100.9 ") for line in a_lines)
    assert all(line.startswith("127.0.0.1 ") for line in b_lines)


def test_a_tampered_cookie_is_refused_by_both(cluster):
    user = User(cluster["nginx"].port)
    for _ in range(4):
        user.count()
    payload, stamp, signature = user.session.split(".")
    forged_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    before = [len(lines) for lines in until_logged(cluster["logs"], lambda a, b: len(a) + len(b) >= 4)]
    assert sum(before) == 4, before
    for _ in range(4):
        forged = User(cluster["nginx"].port)
        forged.session = f"{forged_payload}.{stamp}.{signature}"
        assert forged.count() == 1
    after = [len(lines) for lines in until_logged(cluster["logs"], lambda a, b: len(a) + len(b) >= 8)]
    assert sum(after) == 8, after
    assert after[0] > before[0] and after[1] > before[1], "both instances should have seen a forged cookie"


def test_a_two_pass_rolling_key_rotation_logs_nobody_out(cluster):
    user = User(cluster["nginx"].port)
    expected = 0

    def keep_counting(times=4):
        nonlocal expected
        for _ in range(times):
            expected += 1
            assert user.count() == expected, "the user was logged out"

    keep_counting()
    old, new = cluster["old"], cluster["new"]
    # Pass 1: every instance learns the new key, still signing with the old one.
    cluster["restart"]("a", [old, new], True)
    keep_counting()
    cluster["restart"]("b", [old, new], False)
    keep_counting()
    # Pass 2: sign with the new key, keep accepting the old one.
    cluster["restart"]("a", [new, old], True)
    keep_counting()
    cluster["restart"]("b", [new, old], False)
    keep_counting()
    new_signer = create_app(new.read_bytes())
    with new_signer.app_context():
        assert serializer(new_signer).loads(user.session, max_age=3600)["count"] == expected
