"""The lesson's default sessions, {"count":N,"goodnight":"Moon","hello":"World"} for N from 0
to 999,999, are never compressed by itsdangerous: zlib never makes one 2 bytes shorter.
Crumbs (DefaultLessonSession.swift) and bench/baseline.c write them without asking zlib;
this is the check, with Python's own zlib, the one Flask uses."""

import zlib

from flask import Flask
from flask.sessions import session_json_serializer


def payload(count):
    return b'{"count":%d,"goodnight":"Moon","hello":"World"}' % count


def test_the_family_is_what_flask_writes():
    # Inside an app, as Flask signs: its JSON provider sorts the keys.
    with Flask(__name__).app_context():
        for count in (0, 7, 42, 999_999):
            session = {"hello": "World", "goodnight": "Moon", "count": count}
            assert session_json_serializer.dumps(session).encode() == payload(count)


def test_zlib_never_shortens_a_member_by_two_bytes():
    # itsdangerous' dump_payload: compressed only if len(compressed) < len(json) - 1.
    shortened = [n for n in range(1_000_000) if len(zlib.compress(payload(n))) < len(payload(n)) - 1]
    assert shortened == [], f"zlib {zlib.ZLIB_RUNTIME_VERSION} shortens {shortened[:10]}"
    # The same check tells a payload that zlib does shorten.
    repetitive = b"ab" * 24
    assert len(zlib.compress(repetitive)) < len(repetitive) - 1
