"""The cookie tools as real processes, and key rotation against Flask's fallbacks."""

import json
import stat
import subprocess

import pytest

from conftest import CRUMBS_BIN, Crumbs, get, header_values, write_key
from lesson_app import create_app, serializer

LIFETIME = 31 * 24 * 3600
NEW_KEY = b"the new key, signing since today"
OLD_KEY = b"the old key, trusted for a while"


def crumbs_run(*args, cwd=None):
    return subprocess.run([CRUMBS_BIN, *args], cwd=cwd, capture_output=True, text=True, timeout=20)


def dumps(app, data):
    with app.app_context():
        return serializer(app).dumps(data)


def loads(app, cookie):
    with app.app_context():
        return serializer(app).loads(cookie, max_age=LIFETIME)


def session_cookie(headers):
    for value in header_values(headers, "Set-Cookie"):
        if value.startswith("session="):
            return value.split(";", 1)[0][len("session="):]
    return None


@pytest.fixture
def keys(tmp_path):
    return write_key(tmp_path / "new", NEW_KEY), write_key(tmp_path / "old", OLD_KEY)


def test_keygen_writes_a_private_key_and_never_overwrites(tmp_path):
    result = crumbs_run("keygen", "--out", "keys/main", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "keys" / "main"
    assert len(key.read_bytes()) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    again = crumbs_run("keygen", "--out", "keys/main", cwd=tmp_path)
    assert again.returncode != 0
    assert "refusing to overwrite" in again.stderr
    assert key.read_bytes() == before


def test_decode_reads_any_flask_cookie_without_a_key(keys):
    app = create_app(NEW_KEY)
    cookie = dumps(app, {"count": 3, "crumbs": ["crumb"] * 100})
    result = crumbs_run("decode", cookie)
    assert result.returncode == 1  # readable, but not verified
    assert "compressed: yes (zlib)" in result.stdout
    assert '"count": 3' in result.stdout
    assert "not checked" in result.stdout


def test_decode_verifies_with_keys_and_names_the_key(keys):
    new, old = keys
    cookie = dumps(create_app(OLD_KEY), {"count": 1})
    result = crumbs_run("decode", f"session={cookie}", "--secret-key-file", str(new), "--secret-key-file", str(old))
    assert result.returncode == 0, result.stdout
    assert "signature:  valid, key 2 of 2" in result.stdout
    tampered = cookie[:-3] + ("A" if cookie[-3] != "A" else "B") + cookie[-2:]
    bad = crumbs_run("decode", tampered, "--secret-key-file", str(new))
    assert bad.returncode == 1
    assert "INVALID" in bad.stdout
    garbage = crumbs_run("decode", "not-a-cookie")
    assert garbage.returncode == 2
    assert "not a session cookie" in garbage.stderr


def test_sign_mints_cookies_flask_accepts(keys):
    new, _ = keys
    result = crumbs_run("sign", '{"count": 41, "hello": "World"}', "--secret-key-file", str(new))
    assert result.returncode == 0, result.stderr
    assert loads(create_app(NEW_KEY), result.stdout.strip()) == {"count": 41, "hello": "World"}
    for bad in ("[1, 2]", "{nope", ""):
        refused = crumbs_run("sign", bad, "--secret-key-file", str(new))
        assert refused.returncode != 0
        assert "Error" in refused.stderr


def test_encrypted_cookies_from_sign_work_in_an_encrypting_server(tmp_path, keys):
    new, _ = keys
    minted = crumbs_run("sign", '{"count": 9}', "--encrypt", "--secret-key-file", str(new)).stdout.strip()
    assert minted.startswith("v1.")
    hidden = crumbs_run("decode", minted)
    assert "cannot be read without the key" in hidden.stdout and hidden.returncode == 1
    shown = crumbs_run("decode", minted, "--secret-key-file", str(new))
    assert shown.returncode == 0 and '"count": 9' in shown.stdout
    server = Crumbs(["--port", "0", "--encrypt", "--secret-key-file", str(new)], cwd=tmp_path)
    try:
        _, headers, body = get(server.port, "/sessions/count", f"session={minted}")
        assert json.loads(body)["session"]["session_value"] == 10
        assert session_cookie(headers).startswith("v1.")
    finally:
        server.stop()


def test_rotation_accepts_flask_cookies_signed_with_a_fallback_and_resigns_them(tmp_path, keys):
    """Crumbs on new+old keys reads what Flask signed with the old key, answers with new."""
    new, old = keys
    server = Crumbs(["--port", "0", "--secret-key-file", str(new), "--secret-key-file", str(old)], cwd=tmp_path)
    try:
        old_cookie = dumps(create_app(OLD_KEY), {"count": 7, "hello": "World", "goodnight": "Moon"})
        _, headers, body = get(server.port, "/sessions/count", f"session={old_cookie}")
        assert json.loads(body)["session"]["session_value"] == 8
        resigned = session_cookie(headers)
        # Flask with only the new key reads it; Flask with new + fallback reads both.
        assert loads(create_app(NEW_KEY), resigned)["count"] == 8
        rotated_flask = create_app(NEW_KEY, fallbacks=[OLD_KEY])
        assert loads(rotated_flask, old_cookie)["count"] == 7
        # A cookie Flask signed with its fallback list in place is read by Crumbs too.
        flask_cookie = dumps(rotated_flask, {"count": 1})
        _, _, body = get(server.port, "/sessions/count", f"session={flask_cookie}")
        assert json.loads(body)["session"]["session_value"] == 2
    finally:
        server.stop()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--cookie-samesite", "None"], "SameSite=None needs --cookie-secure"),
        (["--cookie-name", "bad name"], "cookie name"),
        (["--session-lifetime", "0"], "session-lifetime"),
        (["--session-lifetime", "soon"], "session-lifetime"),
    ],
)
def test_unsafe_options_are_refused_at_start(tmp_path, keys, args, message):
    result = crumbs_run("--port", "0", "--secret-key-file", str(keys[0]), *args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert NEW_KEY.decode() not in result.stderr


def test_options_shape_the_cookie(tmp_path, keys):
    server = Crumbs(
        [
            "--port", "0", "--secret-key-file", str(keys[0]), "--cookie-name", "sid", "--cookie-path", "/",
            "--cookie-samesite", "strict", "--cookie-secure", "--permanent", "--session-lifetime", "2h",
        ],
        cwd=tmp_path,
    )
    try:
        _, headers, _ = get(server.port, "/sessions/hello")
        (cookie,) = header_values(headers, "Set-Cookie")
        assert cookie.startswith("sid=")
        assert "; Max-Age=7200; Secure; HttpOnly; Path=/; SameSite=Strict" in cookie
        # Expires is the lifetime from now, written as Python writes dates.
        import email.utils
        import re
        import time

        text = re.search(r"; Expires=([^;]+);", cookie).group(1)
        seconds = email.utils.parsedate_to_datetime(text).timestamp()
        assert email.utils.formatdate(seconds, usegmt=True) == text
        assert abs(seconds - 7200 - time.time()) <= 3
    finally:
        server.stop()
