"""Two Crumbs instances behind nginx, configured with deploy/nginx-crumbs.conf itself: one
session across both, tampering refused by both, and a two-pass key rotation done as a
rolling restart while a user keeps counting."""

import http.client
import json
import pathlib
import secrets
import shutil
import socket
import subprocess
import time

import pytest

from conftest import ROOT, Crumbs, write_key
from lesson_app import create_app, serializer

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Nginx:
    def __init__(self, workdir: pathlib.Path, upstreams, port):
        snippet = (ROOT / "deploy" / "nginx-crumbs.conf").read_text()
        for placeholder, actual in (
            ("server 127.0.0.1:5001 ", f"server 127.0.0.1:{upstreams[0]} "),
            ("server 127.0.0.1:5002 ", f"server 127.0.0.1:{upstreams[1]} "),
            ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};"),
        ):
            assert placeholder in snippet, f"deploy/nginx-crumbs.conf no longer has {placeholder!r}"
            snippet = snippet.replace(placeholder, actual)
        (workdir / "crumbs.conf").write_text(snippet)
        for folder in ("body", "proxy"):
            (workdir / folder).mkdir(exist_ok=True)
        (workdir / "nginx.conf").write_text(
            f"pid {workdir}/nginx.pid;\n"
            f"error_log {workdir}/error.log;\n"
            "daemon off;\n"
            "worker_processes 1;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    access_log off;\n"
            f"    client_body_temp_path {workdir}/body;\n"
            f"    proxy_temp_path {workdir}/proxy;\n"
            f"    include {workdir}/crumbs.conf;\n"
            "}\n"
        )
        self.port = port
        self.process = subprocess.Popen(
            [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nginx exited: {self.process.stderr.read()}")
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


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
    a_lines = cluster["logs"]["a"].read_text().splitlines()
    b_lines = cluster["logs"]["b"].read_text().splitlines()
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
    before = (cluster["logs"]["a"].read_text().count("\n"), cluster["logs"]["b"].read_text().count("\n"))
    for _ in range(4):
        forged = User(cluster["nginx"].port)
        forged.session = f"{forged_payload}.{stamp}.{signature}"
        assert forged.count() == 1
    after = (cluster["logs"]["a"].read_text().count("\n"), cluster["logs"]["b"].read_text().count("\n"))
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
