"""Crumbs against the real thing: Flask 3.1, itsdangerous and Werkzeug from PyPI.

The same requests go to the Flask lesson app and to Crumbs; bodies must match byte for
byte, and session cookies must cross between them in both directions."""

import json

import pytest
from werkzeug.sansio.http import parse_cookie

from conftest import get, header_values, seeded_random
from lesson_app import create_app, serializer

LIFETIME = 31 * 24 * 3600


def session_cookie(headers):
    """The value of the `session` cookie a response sets."""
    for value in header_values(headers, "Set-Cookie"):
        if value.startswith("session="):
            return value.split(";", 1)[0][len("session="):]
    return None


def loads(app, cookie):
    with app.app_context():
        return serializer(app).loads(cookie, max_age=LIFETIME)


def dumps(app, data):
    with app.app_context():
        return serializer(app).dumps(data)


def assert_same_answer(crumbs_port, flask_port, path, cookie=None):
    crumbs_status, crumbs_headers, crumbs_body = get(crumbs_port, path, cookie)
    flask_status, flask_headers, flask_body = get(flask_port, path, cookie)
    assert crumbs_status == flask_status == 200
    assert crumbs_body == flask_body, (crumbs_body.decode(), flask_body.decode())
    for name in ("Content-Type", "Vary"):
        assert header_values(crumbs_headers, name) == header_values(flask_headers, name), name
    crumbs_cookies = header_values(crumbs_headers, "Set-Cookie")
    flask_cookies = header_values(flask_headers, "Set-Cookie")
    # Same cookies with the same attributes; a session value differs only by its timestamp.
    assert [c.split("=", 1)[0] for c in crumbs_cookies] == [c.split("=", 1)[0] for c in flask_cookies]
    assert [c.split(";", 1)[1:] for c in crumbs_cookies] == [c.split(";", 1)[1:] for c in flask_cookies]
    return crumbs_headers, flask_headers


LESSON_WALK = ["/sessions/hello", "/crumbs", "/sessions/count", "/sessions/count", "/sessions/goodnight", "/crumbs"]


def test_a_lesson_walk_gets_flask_bytes(crumbs, flask_server, flask_app):
    """hello → crumbs → count → count …, each server carrying its own cookies: same bodies."""
    jars = {crumbs.port: {}, flask_server: {}}
    for path in LESSON_WALK:
        answers = {}
        for port, jar in jars.items():
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items()) or None
            status, headers, body = get(port, path, cookie)
            assert status == 200
            for set_cookie in header_values(headers, "Set-Cookie"):
                name, rest = set_cookie.split("=", 1)
                jar[name] = rest.split(";", 1)[0]
            answers[port] = json.loads(body)
        crumbs_answer, flask_answer = answers[crumbs.port], answers[flask_server]
        # Session cookie values carry their own signing second; everything else is equal.
        for answer in (crumbs_answer, flask_answer):
            for item in answer["cookies"]:
                if "session" in item:
                    item["session"] = loads(flask_app, item["session"])
        assert crumbs_answer == flask_answer, path
    assert loads(flask_app, jars[crumbs.port]["session"]) == loads(flask_app, jars[flask_server]["session"])


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "mouse=Cookie",
        "  a = 1 ;; b=2",
        "a",
        "=b; c=d",
        "bad name=1",
        'a="x y"',
        'b="q\\"x"',
        'a="\\303\\251"',
        'j="unterminated',
        "a=1; a=2",
        'x="a;b"; y=2',
        'k="\\1\\400\\x"',
        "mouse=Edited in dev tools; other=<>&'",
    ],
)
def test_same_bytes_as_flask_for_any_cookie_header(crumbs, flask_server, cookie):
    for path in ("/sessions/hello", "/sessions/count", "/crumbs"):
        assert_same_answer(crumbs.port, flask_server, path, cookie)


def test_crumbs_cookie_is_read_by_flask(crumbs, flask_server, flask_app):
    cookie = None
    for _ in range(3):
        _, headers, _ = get(crumbs.port, "/sessions/count", cookie and f"session={cookie}")
        cookie = session_cookie(headers)
    assert loads(flask_app, cookie) == {"hello": "World", "goodnight": "Moon", "count": 3}
    # And the Flask app itself continues the session.
    _, headers, body = get(flask_server, "/sessions/count", f"session={cookie}")
    assert json.loads(body)["session"]["session_value"] == 4


def test_flask_cookie_is_read_by_crumbs(crumbs, flask_server, flask_app):
    cookie = None
    for _ in range(2):
        _, headers, _ = get(flask_server, "/sessions/count", cookie and f"session={cookie}")
        cookie = session_cookie(headers)
    _, headers, body = get(crumbs.port, "/sessions/count", f"session={cookie}")
    assert json.loads(body)["session"]["session_value"] == 3
    assert loads(flask_app, session_cookie(headers))["count"] == 3


def test_compressed_and_nested_flask_sessions_pass_through_crumbs(crumbs, flask_server, flask_app):
    data = {
        "hello": {"nested": [1, 2.5, None, True, {"deeper": ["é", "😀"]}], "big": 10**30},
        "goodnight": "Moon",
        "count": 5,
        "crumbs": ["crumb"] * 300,
        "pair": ("a", 1),
        "raw": b"\x00\xff",
    }
    cookie = dumps(flask_app, data)
    assert cookie.startswith("."), "the payload should be compressed"
    # Crumbs shows a nested value exactly as Flask does.
    assert_same_answer(crumbs.port, flask_server, "/sessions/hello", f"session={cookie}")
    # Counting keeps every other value, tagged ones (tuple, bytes) included.
    _, headers, _ = get(crumbs.port, "/sessions/count", f"session={cookie}")
    returned = loads(flask_app, session_cookie(headers))
    assert returned == {**data, "count": 6}
    assert isinstance(returned["pair"], tuple) and returned["raw"] == b"\x00\xff"


def test_resigned_sessions_carry_flasks_payload_bytes(crumbs, flask_server, flask_app):
    """Counting re-signs the session. Its payload (the JSON, or "." and the JSON's zlib
    stream when that is shorter) must be the bytes Flask writes for the same request, small
    sessions and large, compressible or not; only the timestamp and signature may differ."""
    rng = seeded_random(20261127, "test_resigned_sessions_carry_flasks_payload_bytes")
    words = ["World", "Moon", "crumb", "é", "😀", 'q"uote', "back\\slash", "ab"]
    kinds = {"compressed, at most 120 bytes": 0, "compressed, longer": 0, "plain": 0}
    for _ in range(120):
        data = {
            "count": rng.randrange(10 ** rng.randint(1, 12)),
            "hello": "".join(rng.choice(words) for _ in range(rng.randint(0, 6))),
            "goodnight": rng.choice(words) * rng.choice([0, 1, 2, rng.randint(3, 40)]),
        }
        if rng.random() < 0.3:
            data["crumbs"] = [rng.choice(words) for _ in range(rng.randint(0, 30))]
        cookie = f"session={dumps(flask_app, data)}"
        from_crumbs = session_cookie(get(crumbs.port, "/sessions/count", cookie)[1])
        from_flask = session_cookie(get(flask_server, "/sessions/count", cookie)[1])
        assert from_crumbs.rsplit(".", 2)[0] == from_flask.rsplit(".", 2)[0], data
        size = len(json.dumps(loads(flask_app, from_flask), separators=(",", ":")))
        if not from_flask.startswith("."):
            kinds["plain"] += 1
        elif size <= 120:
            kinds["compressed, at most 120 bytes"] += 1
        else:
            kinds["compressed, longer"] += 1
    assert min(kinds.values()) >= 10, kinds


def test_default_lesson_sessions_get_flasks_answer_at_every_key_and_edge(crumbs, flask_server, flask_app):
    """Crumbs answers a default lesson session ({"count": N, "goodnight": "Moon", "hello":
    "World"}, N up to 999,999) from its count alone: each of the three keys, at the family's
    edges and beyond it, must still give Flask's body and Flask's payload bytes."""
    for count in (0, 1, 9, 41, 999_998, 999_999, 1_000_000, 5_000_000):
        assert_same_answer_at_every_key(crumbs, flask_server, flask_app, {'count': count, 'goodnight': 'Moon', 'hello': 'World'})


def assert_same_answer_at_every_key(crumbs, flask_server, flask_app, data):
    """Flask's body and Flask's payload bytes at each of the lesson's keys, for a session
    Flask signed with `data`."""
    cookie = f"session={dumps(flask_app, data)}"
    for key in ("count", "hello", "goodnight"):
        crumbs_headers, flask_headers = assert_same_answer(crumbs.port, flask_server, f"/sessions/{key}", cookie)
        from_crumbs, from_flask = session_cookie(crumbs_headers), session_cookie(flask_headers)
        assert from_crumbs.rsplit(".", 2)[0] == from_flask.rsplit(".", 2)[0], (data, key)
        assert loads(flask_app, from_crumbs) == loads(flask_app, from_flask), (data, key)


def test_flask_cookie_signed_with_another_key_is_refused(crumbs):
    other_app = create_app(b"a key that crumbs does not know!")
    cookie = dumps(other_app, {"count": 10})
    _, headers, body = get(crumbs.port, "/sessions/count", f"session={cookie}")
    assert json.loads(body)["session"]["session_value"] == 1


def test_tampered_flask_cookie_gives_a_fresh_session(crumbs, flask_app):
    cookie = dumps(flask_app, {"count": 41, "hello": "World", "goodnight": "Moon"})
    payload, timestamp, signature = cookie.split(".")
    forged_payload = dumps(flask_app, {"count": 9000}).split(".")[0]
    for forged in (
        f"{forged_payload}.{timestamp}.{signature}",
        f"{payload}.{timestamp}.{signature[:-2]}",
        f"{payload}.{timestamp}",
        f"{payload}.AAAAAA.{signature}",
        cookie.replace(payload, payload[::-1]),
    ):
        _, _, body = get(crumbs.port, "/sessions/count", f"session={forged}")
        assert json.loads(body)["session"]["session_value"] == 1, forged
    _, _, body = get(crumbs.port, "/sessions/count", f"session={cookie}")
    assert json.loads(body)["session"]["session_value"] == 42


@pytest.mark.parametrize(
    "kind, seed, pieces, count, longest",
    [
        # The characters that matter to the grammar: quotes, backslashes, tabs among them.
        ("any", 20261126, ["a", "b", "c", "=", ";", '"', "\\", " ", "\t", "0", "3", "7", ",", "x", "%"], 300, 24),
        # Printable ASCII without quotes or backslashes, as nearly every real Cookie line
        # is (Crumbs splits such a line on a path of its own): repeated names, empty pairs,
        # spaces around names and values.
        ("plain", 20261201, ["a", "b", "ab", "session", "mouse", "=", "=", ";", "; ", " ", "  ", "x.y-z_", "%3B", ",", "!",
                             "~", "0"], 400, 30),
    ],
)
def test_cookie_parsing_matches_werkzeug_on_random_headers(crumbs, kind, seed, pieces, count, longest):
    """Random headers, each read back through /crumbs and compared with parse_cookie's."""
    rng = seeded_random(seed, f"test_cookie_parsing_matches_werkzeug_on_random_headers[{kind}]")
    for _ in range(count):
        header = "".join(rng.choice(pieces) for _ in range(rng.randint(1, longest))).strip(" \t")
        if not header:
            continue
        expected = parse_cookie(header)
        _, _, body = get(crumbs.port, "/crumbs", header)
        assert json.loads(body)["cookies"] == [{k: expected[k]} for k in expected], repr(header)


def test_keys_equal_only_under_unicode_normalisation_stay_two_keys(crumbs, flask_server, flask_app):
    """Python compares code points: "\u00e9" and "e\u0301" are two keys, in a small session
    and in a large one, and Crumbs re-signs both as Flask does."""
    for extra in (0, 12):
        data = {"\u00e9": "precomposed", "e\u0301": "decomposed", "count": 1}
        data.update({f"k{i}": i for i in range(extra)})
        cookie = f"session={dumps(flask_app, data)}"
        _, _, body = get(crumbs.port, "/sessions", cookie)
        assert json.loads(body)["session"] == data
        from_crumbs = session_cookie(get(crumbs.port, "/sessions/count", cookie)[1])
        from_flask = session_cookie(get(flask_server, "/sessions/count", cookie)[1])
        assert from_crumbs.rsplit(".", 2)[0] == from_flask.rsplit(".", 2)[0]
        assert loads(flask_app, from_crumbs) == {**data, "count": 2, "hello": "World", "goodnight": "Moon"}


def test_every_reply_is_dated_as_python_dates_it(crumbs):
    """The Date header (made once a second by the transport) is the current time in the
    form Python's email.utils writes, for HTTP/1.1 and for HTTP/1.0 alike."""
    import email.utils
    import socket
    import time

    for version in ("HTTP/1.1", "HTTP/1.0"):
        before = int(time.time())
        with socket.create_connection(("127.0.0.1", crumbs.port), timeout=10) as connection:
            connection.sendall(f"GET /crumbs {version}\r\nHost: a\r\nConnection: close\r\n\r\n".encode())
            reply = b""
            while chunk := connection.recv(65536):
                reply += chunk
        after = int(time.time())
        head = reply.split(b"\r\n\r\n", 1)[0].decode()
        (date,) = [line.split(": ", 1)[1] for line in head.split("\r\n")[1:] if line.lower().startswith("date:")]
        seconds = int(email.utils.parsedate_to_datetime(date).timestamp())
        assert before - 1 <= seconds <= after, (date, before, after)
        assert email.utils.formatdate(seconds, usegmt=True) == date


def test_lesson_sessions_get_flasks_answer_at_every_key(crumbs, flask_server, flask_app):
    """Crumbs reads a session of the lesson's shape ({"count": N, "goodnight": G, "hello":
    H}) without the JSON parser when N has at most 15 digits and G and H are non-empty plain
    ASCII of at most 400 bytes. At each of the three keys, inside that shape and just outside
    it (16 digits, empty, escaped, non-ASCII, 401 bytes, a negative count), Crumbs must give
    Flask's body and Flask's payload bytes."""
    rng = seeded_random(20261130, "test_lesson_sessions_get_flasks_answer_at_every_key")
    plain = [chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\']
    def text(longest):
        return "".join(rng.choice(plain) for _ in range(rng.randint(1, longest)))
    sessions = [
        {"count": 999_999_999_999_999, "goodnight": "Moon", "hello": "World"},
        {"count": 10**15, "goodnight": "Moon", "hello": "World"},
        {"count": -3, "goodnight": "Moon", "hello": "World"},
        {"count": 0, "goodnight": "", "hello": "World"},
        {"count": 7, "goodnight": "Moon", "hello": ""},
        {"count": 7, "goodnight": 'M"oon', "hello": "World"},
        {"count": 7, "goodnight": "Moon", "hello": "Wörld"},
        {"count": 7, "goodnight": "Moon", "hello": "x" * 400},
        {"count": 7, "goodnight": "y" * 401, "hello": "World"},
        {"count": 7, "goodnight": "Sleep tight <3 & don't let the bedbugs bite!", "hello": "~"},
    ] + [
        {"count": rng.randrange(10 ** rng.randint(1, 15)), "goodnight": text(rng.choice([5, 60, 400])),
         "hello": text(rng.choice([5, 60, 400]))}
        for _ in range(20)
    ]
    for data in sessions:
        assert_same_answer_at_every_key(crumbs, flask_server, flask_app, data)
