"""Fixtures that run the real things side by side: the crumbs binary as a child process
on a free port, and the Flask lesson app under Werkzeug's server on another."""

import http.client
import os
import pathlib
import random
import secrets
import signal
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from lesson_app import create_app

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRUMBS_BIN = str(pathlib.Path(os.environ.get("CRUMBS_BIN", ROOT / ".build" / "release" / "crumbs")).resolve())


class Crumbs:
    """A running `crumbs serve` child."""

    def __init__(self, args, cwd, env=None, prefix=()):
        """`prefix`: a command that runs crumbs (`faketime -f -10s`)."""
        self.process = subprocess.Popen(
            [*prefix, CRUMBS_BIN, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("Crumbs listening on http://"):
            self.process.kill()
            _, err = self.process.communicate(timeout=5)
            raise RuntimeError(f"crumbs did not start: {line!r} {err!r}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


def seeded_random(default, name):
    """A seeded generator: CRUMBS_TEST_SEED if set, else `default`; the seed is printed (pytest
    shows it with a failure), so `CRUMBS_TEST_SEED=<seed> pytest -k <name>` replays a run."""
    seed = int(os.environ.get("CRUMBS_TEST_SEED", default))
    print(f"{name}: seed {seed}")
    return random.Random(seed)


def write_key(path: pathlib.Path, key: bytes) -> pathlib.Path:
    path.write_bytes(key)
    path.chmod(0o600)
    return path


@pytest.fixture
def secret_key():
    return secrets.token_bytes(32)


@pytest.fixture
def key_file(tmp_path, secret_key):
    return write_key(tmp_path / "secret_key", secret_key)


@pytest.fixture
def crumbs(tmp_path, key_file):
    server = Crumbs(["serve", "--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    yield server
    server.stop()


@pytest.fixture
def flask_app(secret_key):
    return create_app(secret_key)


@pytest.fixture
def flask_server(flask_app):
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def get(port, path, cookie=None, method="GET"):
    """One request; returns (status, headers as a list of pairs, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {} if cookie is None else {"Cookie": cookie}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    result = response.status, response.getheaders(), response.read()
    connection.close()
    return result


def header_values(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


class RedisServer:
    """Debian's redis-server on a unix socket in a folder of its own (never a fixed port),
    stopped by PID."""

    def __init__(self):
        import redis
        import tempfile
        import time

        # Short: a unix socket's path has at most 107 bytes.
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="crumbs-redis-"))
        self.socket = self.folder / "redis.sock"
        self.process = None
        self.start()
        self.client = redis.Redis(unix_socket_path=str(self.socket))
        self.url = f"unix://{self.socket}"

    def start(self):
        import time

        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder), "--enable-debug-command", "local"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def answers(self):
        import socket as sockets

        try:
            with sockets.socket(sockets.AF_UNIX) as probe:
                probe.settimeout(1)
                probe.connect(str(self.socket))
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.socket.exists():
            self.socket.unlink()

    def close(self):
        import shutil

        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def redis_server():
    server = RedisServer()
    yield server
    server.close()
