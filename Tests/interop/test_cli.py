"""The `crumbs` executable as a user runs it: keys on disk, the printed URL, signals."""

import json
import os
import pathlib
import signal
import stat
import subprocess

import pytest

from conftest import CRUMBS_BIN, Crumbs, get, write_key
from lesson_app import create_app, serializer

LIFETIME = 31 * 24 * 3600


def count_cookie(port, cookie=None):
    _, headers, body = get(port, "/sessions/count", cookie and f"session={cookie}")
    for value in headers:
        if value[0] == "Set-Cookie" and value[1].startswith("session="):
            return json.loads(body)["session"]["session_value"], value[1].split(";")[0][8:]
    raise AssertionError("no session cookie")


def test_creates_a_private_key_on_first_start_and_reuses_it(tmp_path):
    first = Crumbs(["--port", "0"], cwd=tmp_path)
    key_path = tmp_path / ".crumbs" / "secret_key"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert len(key_path.read_bytes()) == 32
    _, cookie = count_cookie(first.port)
    code, _, err = first.stop()
    assert code == 0
    assert "created a new secret key" in err

    second = Crumbs(["serve", "--port", "0"], cwd=tmp_path)
    count, _ = count_cookie(second.port, cookie)
    code, _, err = second.stop()
    assert count == 2, "the same key must verify the first server's cookie"
    assert "using the secret key created earlier" in err
    key = key_path.read_bytes()
    assert key.hex() not in err and repr(key) not in err


def test_a_key_file_works_like_flask_secret_key(tmp_path):
    key = b"flask and crumbs share this key!"
    key_file = write_key(tmp_path / "key", key)
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    _, cookie = count_cookie(server.port)
    server.stop()
    app = create_app(key)
    with app.app_context():
        assert serializer(app).loads(cookie, max_age=LIFETIME)["count"] == 1


def test_the_key_file_can_come_from_the_environment(tmp_path):
    key_file = write_key(tmp_path / "env_key", b"k" * 24)
    env = {**os.environ, "CRUMBS_SECRET_KEY_FILE": str(key_file)}
    server = Crumbs(["--port", "0"], cwd=tmp_path, env=env)
    server.stop()
    assert not (tmp_path / ".crumbs").exists()


@pytest.mark.parametrize("content", [b"", b"zqx", b"QWERTYzxcvb1234"])
def test_refuses_short_keys_without_showing_them(tmp_path, content):
    key_file = write_key(tmp_path / "short", content)
    result = subprocess.run(
        [CRUMBS_BIN, "--port", "0", "--secret-key-file", str(key_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode != 0
    assert "at least 16" in result.stderr
    if content:
        assert content.decode() not in result.stderr + result.stdout


def test_missing_key_file_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [CRUMBS_BIN, "--secret-key-file", str(tmp_path / "nope")],
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode != 0
    assert "cannot read secret key file" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly_on_signals(tmp_path, key_file, sig):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    assert get(server.port, "/crumbs")[0] == 200
    code, _, err = server.stop(sig)
    assert code == 0
    assert "stopping" in err and "stopped" in err


def test_a_port_in_use_is_an_error(tmp_path, key_file, crumbs):
    result = subprocess.run(
        [CRUMBS_BIN, "--port", str(crumbs.port), "--secret-key-file", str(key_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{crumbs.port}: bind: Address already in use" in result.stderr
    assert "--port 0" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "99999"], "--port must be 0 to 65535"),
        (["--port", "abc"], "The value 'abc' is invalid for '--port <port>'"),
        (["--session-lifetime", "2w"], "followed by s, m, h or d (90s, 30m, 12h, 31d)"),
        (["--cookie-samesite", "None"], "SameSite=None needs --cookie-secure"),
        (["--threads", "0"], "--threads must be 1 to 1024"),
        (["--bogus"], "Unknown option '--bogus'"),
    ],
)
def test_a_wrong_command_line_exits_64_before_touching_the_disk(tmp_path, args, message):
    """Every option is checked before the key file is read or created: in an empty folder a
    wrong option leaves nothing behind, and every kind of mistake exits 64 (EX_USAGE)."""
    result = subprocess.run([CRUMBS_BIN, *args], cwd=tmp_path, capture_output=True, text=True, timeout=10)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_says_which_key_file_it_reuses(tmp_path):
    first = Crumbs(["--port", "0"], cwd=tmp_path)
    _, _, err = first.stop()
    assert f"path={tmp_path / '.crumbs' / 'secret_key'}" in err and "created a new secret key" in err
    second = Crumbs(["--port", "0"], cwd=tmp_path)
    _, _, err = second.stop()
    assert f"path={tmp_path / '.crumbs' / 'secret_key'}" in err and "using the secret key created earlier" in err


def test_completion_scripts_are_generated():
    for shell in ("bash", "zsh", "fish"):
        result = subprocess.run(
            [CRUMBS_BIN, "--generate-completion-script", shell], capture_output=True, text=True, timeout=10
        )
        assert result.returncode == 0 and "secret-key-file" in result.stdout, shell


def test_help_describes_the_options():
    result = subprocess.run([CRUMBS_BIN, "serve", "--help"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0
    for option in ("--host", "--port", "--secret-key-file", "CRUMBS_SECRET_KEY_FILE"):
        assert option in result.stdout


def test_the_curl_tour_runs_as_documented(tmp_path, key_file):
    server = Crumbs(["--port", "0", "--secret-key-file", str(key_file)], cwd=tmp_path)
    try:
        tour = subprocess.run(
            ["bash", str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "tour.sh"), server.url],
            capture_output=True, text=True, timeout=60, env={**os.environ, "CRUMBS": CRUMBS_BIN},
        )
        assert tour.returncode == 0, tour.stderr
        # Every command the tour shows pastes and runs as shown: its quotes are all there.
        shown = [line[len("\x1b[2m$ "):-len("\x1b[0m")] for line in tour.stdout.splitlines() if line.startswith("\x1b[2m$ ")]
        assert len(shown) >= 9 and any("'Content-Type: application/json'" in line for line in shown), shown
        for line in shown:
            pasted = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=20, cwd=tmp_path)
            # decode without a key exits 1 by design; anything else must succeed.
            assert pasted.returncode == (1 if " decode " in line else 0), (line, pasted.stderr)
            if " -d " in line:
                assert pasted.stdout.startswith("{"), (line, pasted.stdout)
    finally:
        server.stop()
    out = tour.stdout
    assert "Set-Cookie: session=" in out and "HttpOnly; Path=/; SameSite=Lax" in out
    assert "Set-Cookie: mouse=Cookie; Path=/; SameSite=Lax" in out
    assert '"session_value": 3' in out
    assert "format:     signed (Flask / itsdangerous URLSafeTimedSerializer)" in out
    # The forged count of 99 is refused: a fresh session counts 1.
    forged = out.split("Crumbs starts a fresh session")[1]
    assert '"session_value": 1' in forged.split("==")[0]
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0" in out


def test_version_and_help_read_well():
    version = subprocess.run([CRUMBS_BIN, "--version"], capture_output=True, text=True, timeout=10)
    assert version.returncode == 0 and version.stdout.strip()
    for command in ([], ["serve"], ["keygen"], ["decode"], ["sign"]):
        result = subprocess.run([CRUMBS_BIN, *command, "--help"], capture_output=True, text=True, timeout=10)
        assert result.returncode == 0 and "USAGE:" in result.stdout, command
