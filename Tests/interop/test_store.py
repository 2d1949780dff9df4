"""Crumbs with --store against the real thing: Flask-Session 0.8 on the same redis-server.
Sessions cross both ways, the same requests leave the same bytes in Redis, a logout on
either side revokes, and Redis going down, stalling or coming back never hangs Crumbs."""

import http.client
import json
import pickle
import re
import signal
import socket
import subprocess
import threading
import time

import pytest
from werkzeug.serving import make_server

from conftest import Crumbs, get, header_values, seeded_random
from lesson_app import create_store_app

LIFETIME = 31 * 24 * 3600
SID = re.compile(r"^session=([A-Za-z0-9_-]{43}); Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; HttpOnly; Path=/; SameSite=Lax$")


def store_crumbs(tmp_path, key_file, redis_server, *extra):
    return Crumbs(
        ["--port", "0", "--threads", "2", "--secret-key-file", str(key_file), "--store", redis_server.url, *extra],
        cwd=tmp_path,
    )


@pytest.fixture
def crumbs_store(tmp_path, key_file, redis_server):
    server = store_crumbs(tmp_path, key_file, redis_server)
    yield server
    server.stop()


@pytest.fixture
def flask_store(secret_key, redis_server):
    app = create_store_app(secret_key, redis_server.client)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def sid_of(headers):
    cookies = [value for value in header_values(headers, "Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, cookies
    match = SID.match(cookies[0])
    assert match, cookies[0]
    return match.group(1)


def expires_of(headers):
    """The session cookie's Expires, in seconds since the epoch, checked to be written as
    Python writes that date."""
    import email.utils

    (cookie,) = [value for value in header_values(headers, "Set-Cookie") if value.startswith("session=")]
    text = re.search(r"; Expires=([^;]+);", cookie).group(1)
    seconds = email.utils.parsedate_to_datetime(text).timestamp()
    assert email.utils.formatdate(seconds, usegmt=True) == text
    return seconds


def value_of(body):
    return json.loads(body)["session"]["session_value"]


def test_sessions_continue_both_ways_with_flask_session(crumbs_store, flask_store, redis_server):
    status, headers, body = get(crumbs_store.port, "/sessions/count")
    assert status == 200 and value_of(body) == 1
    sid = sid_of(headers)
    assert redis_server.client.exists(f"session:{sid}")
    for expected, port in ((2, flask_store), (3, crumbs_store.port), (4, flask_store), (5, crumbs_store.port)):
        status, headers, body = get(port, "/sessions/count", f"session={sid}")
        assert status == 200 and value_of(body) == expected, port
        assert sid_of(headers) == sid
    # The lesson's body lists the id cookie, as Flask-Session's app does.
    _, _, crumbs_body = get(crumbs_store.port, "/sessions/hello", f"session={sid}")
    _, _, flask_body = get(flask_store, "/sessions/hello", f"session={sid}")
    assert crumbs_body == flask_body


def test_the_same_requests_leave_the_same_bytes_in_redis(crumbs_store, flask_store, redis_server):
    sids = {}
    for name, port in (("crumbs", crumbs_store.port), ("flask", flask_store)):
        _, headers, first = get(port, "/sessions/hello")
        sid = sid_of(headers)
        for path in ("/sessions/count", "/sessions/goodnight", "/sessions/count", "/crumbs"):
            status, _, _ = get(port, path, f"session={sid}")
            assert status == 200
        sids[name] = sid
    crumbs_bytes = redis_server.client.get(f"session:{sids['crumbs']}")
    flask_bytes = redis_server.client.get(f"session:{sids['flask']}")
    # msgpack of {"_permanent": True, "hello": "World", "goodnight": "Moon", "count": 2}
    assert crumbs_bytes == flask_bytes == bytes.fromhex(
        "84aa5f7065726d616e656e74c3a568656c6c6fa5576f726c64a9676f6f646e69676874a44d6f6f6ea5636f756e7402")
    for sid in sids.values():
        assert LIFETIME - 5 <= redis_server.client.ttl(f"session:{sid}") <= LIFETIME
    # The cookies have Flask-Session's attributes (both apps send SameSite=Lax).
    _, crumbs_headers, _ = get(crumbs_store.port, "/sessions/hello", f"session={sids['crumbs']}")
    _, flask_headers, _ = get(flask_store, "/sessions/hello", f"session={sids['flask']}")
    before = time.time()
    assert sid_of(crumbs_headers) == sids["crumbs"] and sid_of(flask_headers) == sids["flask"]
    # Both dated the same way: the lifetime from now.
    for headers in (crumbs_headers, flask_headers):
        assert before - 2 <= expires_of(headers) - LIFETIME <= time.time() + 2
    assert header_values(crumbs_headers, "Vary") == header_values(flask_headers, "Vary") == ["Cookie"]


def test_a_logout_on_either_side_revokes_the_session(crumbs_store, flask_store, redis_server):
    _, headers, _ = get(flask_store, "/sessions/count")
    sid = sid_of(headers)
    status, headers, body = get(crumbs_store.port, "/sessions", f"session={sid}", method="DELETE")
    assert status == 200 and json.loads(body)["session"] == {}
    assert header_values(headers, "Set-Cookie") == [
        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"]
    assert not redis_server.client.exists(f"session:{sid}")
    # A copy of the old cookie is dead at once, in Flask-Session too.
    _, headers, body = get(flask_store, "/sessions/count", f"session={sid}")
    assert value_of(body) == 1 and sid_of(headers) != sid
    # And the Flask app's logout kills the session for Crumbs.
    _, headers, _ = get(crumbs_store.port, "/sessions/count")
    sid = sid_of(headers)
    assert get(flask_store, "/logout", f"session={sid}")[0] == 200
    assert not redis_server.client.exists(f"session:{sid}")
    _, headers, body = get(crumbs_store.port, "/sessions/count", f"session={sid}")
    assert value_of(body) == 1 and sid_of(headers) != sid


def test_an_unknown_id_is_never_adopted(crumbs_store, redis_server):
    made_up = "A" * 43
    status, headers, body = get(crumbs_store.port, "/sessions/count", f"session={made_up}")
    assert status == 200 and value_of(body) == 1
    assert sid_of(headers) != made_up
    assert not redis_server.client.exists(f"session:{made_up}")
    # Not even malformed ones reach Redis as keys.
    for value in ("short", "x" * 44, "../../etc", "A" * 42 + "="):
        get(crumbs_store.port, "/sessions/hello", f"session={value}")
    # Only the sessions Crumbs made itself are in Redis.
    assert all(len(key) == len(b"session:") + 43 and key != f"session:{made_up}".encode() for key in redis_server.client.keys())


def test_every_value_flask_session_stores_round_trips_through_crumbs(crumbs_store, flask_store, redis_server):
    import datetime
    import msgspec

    _, headers, _ = get(flask_store, "/sessions/count")
    sid = sid_of(headers)
    key = f"session:{sid}"
    stored = msgspec.msgpack.decode(redis_server.client.get(key))
    stored.update({
        "raw": b"\x00\xff", "when": datetime.datetime(2026, 11, 30, 4, 0, tzinfo=datetime.timezone.utc),
        "numbers": {1: "one", -2: [1.5, 2**64 - 1, -(2**63)]}, "nested": {"a": [None, True, {"b": "é😀"}]},
    })
    redis_server.client.set(key, msgspec.msgpack.encode(stored), ex=LIFETIME)
    status, _, body = get(crumbs_store.port, "/sessions/count", f"session={sid}")
    assert status == 200 and value_of(body) == 2
    after = msgspec.msgpack.decode(redis_server.client.get(key))
    assert after == {**stored, "count": 2}
    assert redis_server.client.get(key) == msgspec.msgpack.encode({**stored, "count": 2})
    # The JSON view shows bytes and timestamps in Flask's tagged forms.
    _, _, body = get(crumbs_store.port, "/sessions", f"session={sid}")
    session = json.loads(body)["session"]
    assert session["raw"] == {" b": "AP8="}
    assert session["when"] == {" d": "Mon, 30 Nov 2026 04:00:00 GMT"}
    assert session["numbers"] == {"1": "one", "-2": [1.5, 2**64 - 1, -(2**63)]}
    # And Flask-Session still reads the session Crumbs wrote.
    _, _, body = get(flask_store, "/sessions/count", f"session={sid}")
    assert value_of(body) == 3


def test_a_value_crumbs_cannot_read_is_left_alone_and_can_be_deleted(crumbs_store, redis_server):
    _, headers, _ = get(crumbs_store.port, "/sessions/hello")
    sid = sid_of(headers)
    pickled = pickle.dumps({"hello": "from an older Flask-Session"})
    redis_server.client.set(f"session:{sid}", pickled)
    for path in ("/sessions/count", "/sessions"):
        status, _, body = get(crumbs_store.port, path, f"session={sid}")
        assert status == 409 and "cannot be read" in json.loads(body)["message"], body
    assert redis_server.client.get(f"session:{sid}") == pickled
    status, _, _ = get(crumbs_store.port, "/sessions", f"session={sid}", method="DELETE")
    assert status == 200 and not redis_server.client.exists(f"session:{sid}")


def put(port, path, value, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("PUT", path, body=json.dumps(value), headers=headers)
    response = connection.getresponse()
    result = response.status, response.getheaders(), response.read()
    connection.close()
    return result


def test_no_four_kilobyte_ceiling_but_a_limit_of_its_own(tmp_path, key_file, redis_server):
    server = store_crumbs(tmp_path, key_file, redis_server, "--max-session-bytes", "20000")
    try:
        big = "x" * 10_000  # far past what a cookie can hold
        status, headers, body = put(server.port, "/sessions/big", big)
        assert status == 200
        sid = sid_of(headers)
        before = redis_server.client.get(f"session:{sid}")
        status, _, body = put(server.port, "/sessions/bigger", big * 2, f"session={sid}")
        assert status == 413 and json.loads(body)["limit"] == 20000
        assert redis_server.client.get(f"session:{sid}") == before
    finally:
        server.stop()


def test_redis_down_stalled_and_back(tmp_path, key_file, redis_server):
    server = store_crumbs(tmp_path, key_file, redis_server, "--store-timeout", "300ms", "--threads", "1")
    try:
        _, headers, _ = get(server.port, "/sessions/count")
        sid = sid_of(headers)
        # Stalled: the answer comes at the timeout, not when Redis wakes up.
        stall = threading.Thread(target=lambda: redis_server.client.execute_command("DEBUG", "SLEEP", "2"))
        stall.start()
        time.sleep(0.1)  # lets DEBUG SLEEP reach Redis first; the answer's speed is what is checked
        started = time.monotonic()
        status, headers, body = get(server.port, "/sessions/count", f"session={sid}")
        elapsed = time.monotonic() - started
        assert status == 503 and header_values(headers, "Retry-After") == ["1"], body
        assert elapsed < 1.5, elapsed
        # A client that leaves while its request waits on Redis costs nothing.
        gone = socket.create_connection(("127.0.0.1", server.port))
        gone.sendall(f"GET /sessions/count HTTP/1.1\r\nHost: a\r\nCookie: session={sid}\r\n\r\n".encode())
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        gone.close()
        stall.join()
        # The change answered 503 was not made when Redis woke up and ran it: a client that
        # tries again counts once. (Crumbs' GETEX goes on the connection its compare-and-set
        # went on, after it: Redis has run the one when it answers the other.)
        status, _, body = get(server.port, "/sessions", f"session={sid}")
        assert status == 200 and json.loads(body)["session"]["count"] == 1, body
        assert msgspec_count(redis_server, sid) == 1
        # Requests that need no session never wait on Redis.
        assert get(server.port, "/")[0] == 200 and get(server.port, "/crumbs")[0] == 200
        # Down: a fast 503 for session routes; the rest as usual.
        redis_server.stop()
        started = time.monotonic()
        status, headers, _ = get(server.port, "/sessions/count", f"session={sid}")
        assert status == 503 and time.monotonic() - started < 1.0
        assert get(server.port, "/")[0] == 200 and get(server.port, "/crumbs")[0] == 200
        # Back (empty: it kept nothing): service resumes by itself.
        redis_server.start()
        deadline = time.monotonic() + 10
        while get(server.port, "/sessions/count")[0] != 200:
            assert time.monotonic() < deadline, "Crumbs did not reconnect"
            time.sleep(0.1)
        code, _, err = server.stop()
        assert code == 0
        assert "lost the connection to Redis" in err and "connected to Redis" in err
    finally:
        if server.process.poll() is None:
            server.process.kill()


def skewed_store_crumbs(tmp_path, key_file, redis_server, skew, *extra):
    """Crumbs whose wall clock is `skew` off Redis' (Debian's faketime), as on a machine
    whose clock is wrong; one loop, so that one loop's measure of Redis' clock counts."""
    return Crumbs(
        ["--port", "0", "--threads", "1", "--secret-key-file", str(key_file), "--store", redis_server.url, *extra],
        cwd=tmp_path, prefix=["faketime", "-f", skew])


def stop_skewed(server):
    """SIGTERM to crumbs itself: faketime, its parent, does not pass signals on."""
    import os

    (child,) = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
    os.kill(int(child), signal.SIGTERM)
    server.process.communicate(timeout=10)
    assert server.process.returncode == 0


def test_changes_land_with_crumbs_clock_behind_redis(tmp_path, key_file, redis_server):
    """A change's deadline goes to Redis in Redis' time (its clock measured with TIME): with
    Crumbs' clock 10 s behind, taken as it is, every change would be past its deadline there
    and answered 503."""
    server = skewed_store_crumbs(tmp_path, key_file, redis_server, "-10s")
    try:
        _, headers, _ = get(server.port, "/sessions/count")
        sid = sid_of(headers)
        for expected in (2, 3, 4):
            status, _, body = get(server.port, "/sessions/count", f"session={sid}")
            assert status == 200 and value_of(body) == expected, body
        assert msgspec_count(redis_server, sid) == 4
    finally:
        stop_skewed(server)


def test_a_stalled_change_does_not_land_with_crumbs_clock_ahead_of_redis(tmp_path, key_file, redis_server):
    """With Crumbs' clock 10 s ahead, taken as it is, a deadline would reach Redis 10 s late,
    and a change answered 503 in a stall would still be made when Redis woke up."""
    server = skewed_store_crumbs(tmp_path, key_file, redis_server, "+10s", "--store-timeout", "300ms")
    try:
        _, headers, _ = get(server.port, "/sessions/count")
        sid = sid_of(headers)
        # One change before the stall, so that the loop has measured Redis' clock.
        assert value_of(get(server.port, "/sessions/count", f"session={sid}")[2]) == 2
        stall = threading.Thread(target=lambda: redis_server.client.execute_command("DEBUG", "SLEEP", "1.5"))
        stall.start()
        time.sleep(0.1)  # lets DEBUG SLEEP reach Redis first
        status, _, body = get(server.port, "/sessions/count", f"session={sid}")
        assert status == 503, body
        stall.join()
        status, _, body = get(server.port, "/sessions", f"session={sid}")
        assert status == 200 and json.loads(body)["session"]["count"] == 2, body
    finally:
        stop_skewed(server)


def test_commands_in_flight_are_capped(tmp_path, key_file, redis_server):
    server = store_crumbs(tmp_path, key_file, redis_server, "--store-max-in-flight", "2", "--threads", "1",
                          "--store-timeout", "3s")
    try:
        # Six visitors with sessions of their own (changes of one session wait their turn
        # on a loop, so one session alone never has more than one command waiting).
        sids = [sid_of(get(server.port, "/sessions/count")[1]) for _ in range(6)]
        stall = threading.Thread(target=lambda: redis_server.client.execute_command("DEBUG", "SLEEP", "1"))
        stall.start()
        time.sleep(0.1)  # lets DEBUG SLEEP reach Redis first
        results = []

        def visit(sid):
            results.append(get(server.port, "/sessions/hello", f"session={sid}"))

        visitors = [threading.Thread(target=visit, args=(sid,)) for sid in sids]
        for visitor in visitors:
            visitor.start()
        for visitor in visitors:
            visitor.join()
        stall.join()
        refused = [body for status, _, body in results if status == 503]
        assert len(refused) >= 4 and all("too many commands" in json.loads(body)["message"] for body in refused)
        assert sum(1 for status, _, _ in results if status == 200) >= 1
    finally:
        server.stop()


def test_concurrent_changes_through_nginx_are_never_lost(tmp_path, key_file, redis_server, flask_store):
    """64 clients counting on one session through nginx (deploy/nginx-crumbs.conf) to two
    instances of two loops each, and 32 PUTs of distinct keys at once: every visit counted,
    every key kept. The same 64 clients against Flask-Session, which writes back the whole
    session it read, are printed for comparison (README quotes them)."""
    from nginx_runner import Nginx, free_port

    servers = [store_crumbs(tmp_path, key_file, redis_server), store_crumbs(tmp_path, key_file, redis_server)]
    (tmp_path / "nginx").mkdir()
    nginx = Nginx(tmp_path / "nginx", [server.port for server in servers], free_port())
    try:
        _, headers, _ = get(nginx.port, "/sessions/count")
        sid = sid_of(headers)
        errors = []

        def count(port, times, session):
            for _ in range(times):
                status, _, body = get(port, "/sessions/count", f"session={session}")
                if status != 200:
                    errors.append((status, body))

        def hammer(port, session, clients=64, times=5):
            all_at_once([lambda: count(port, times, session)] * clients)

        hammer(nginx.port, sid)
        assert errors == []
        _, _, body = get(nginx.port, "/sessions", f"session={sid}")
        assert json.loads(body)["session"]["count"] == 1 + 64 * 5
        all_at_once([lambda n=n: put(nginx.port, f"/sessions/k{n}", n, f"session={sid}") for n in range(32)])
        _, _, body = get(nginx.port, "/sessions", f"session={sid}")
        session = json.loads(body)["session"]
        assert {f"k{n}": n for n in range(32)}.items() <= session.items()
        assert session["count"] == 1 + 64 * 5
        # Deleting half of those keys while putting 16 others, all at once: every change lands.
        all_at_once([lambda n=n: get(nginx.port, f"/sessions/k{n}", f"session={sid}", method="DELETE") for n in range(16)]
                    + [lambda n=n: put(nginx.port, f"/sessions/n{n}", n, f"session={sid}") for n in range(16)])
        _, _, body = get(nginx.port, "/sessions", f"session={sid}")
        session = json.loads(body)["session"]
        assert not any(f"k{n}" in session for n in range(16))
        assert {**{f"k{n}": n for n in range(16, 32)}, **{f"n{n}": n for n in range(16)}}.items() <= session.items()
        assert session["count"] == 1 + 64 * 5

        # The same visits on Flask-Session, for the record.
        _, headers, _ = get(flask_store, "/sessions/count")
        flask_sid = sid_of(headers)
        hammer(flask_store, flask_sid)
        _, _, body = get(flask_store, "/sessions/goodnight", f"session={flask_sid}")
        flask_count = msgspec_count(redis_server, flask_sid)
        print(f"Flask-Session counted {flask_count - 1} of {64 * 5} concurrent visits; Crumbs {64 * 5}")
    finally:
        nginx.stop()
        for server in servers:
            server.stop()


def all_at_once(actions):
    """Runs each action on a thread of its own, all started before any is waited for."""
    threads = [threading.Thread(target=action) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def msgspec_count(redis_server, sid):
    import msgspec

    return msgspec.msgpack.decode(redis_server.client.get(f"session:{sid}"))["count"]


def test_requests_that_change_nothing_write_nothing(crumbs_store, redis_server):
    _, headers, _ = get(crumbs_store.port, "/sessions/count")
    sid = sid_of(headers)
    redis_server.client.config_resetstat()
    for path in ("/sessions", "/sessions/hello", "/sessions/goodnight", "/crumbs") * 10:
        status, headers, _ = get(crumbs_store.port, path, f"session={sid}")
        assert status == 200 and sid_of(headers) == sid
    stats = redis_server.client.info("commandstats")
    used = {name.removeprefix("cmdstat_"): fields["calls"] for name, fields in stats.items() if "config" not in name}
    # One GETEX per request (read and TTL renewed), and no write of any kind.
    assert used == {"getex": 40}, used


def test_a_new_session_is_one_set_and_a_change_one_script_run(tmp_path, key_file, redis_server):
    """What each request costs Redis, from its own command statistics: a new visitor one
    native SET NX (no script), a change one EVALSHA whose GET and SETEX run inside it. (One
    loop: with two, a loop that has not seen the session reads it first.)"""
    crumbs_store = store_crumbs(tmp_path, key_file, redis_server, "--threads", "1")
    try:
        check_commands_per_request(crumbs_store, redis_server)
    finally:
        crumbs_store.stop()


def check_commands_per_request(crumbs_store, redis_server):
    redis_server.client.config_resetstat()
    _, headers, _ = get(crumbs_store.port, "/sessions/hello")
    sid = sid_of(headers)
    stats = redis_server.client.info("commandstats")
    assert {name.removeprefix("cmdstat_"): fields["calls"] for name, fields in stats.items()
            if "config" not in name} == {"set": 1}
    assert redis_server.client.ttl(f"session:{sid}") > LIFETIME - 5
    redis_server.client.config_resetstat()
    for _ in range(2):
        status, _, body = get(crumbs_store.port, "/sessions/count", f"session={sid}")
        assert status == 200
    assert value_of(body) == 2
    stats = redis_server.client.info("commandstats")
    used = {name.removeprefix("cmdstat_"): fields["calls"] for name, fields in stats.items() if "config" not in name}
    # Two script runs, each a TIME (the change's deadline), a GET and a SETEX inside Redis,
    # and one TIME of Crumbs' own before the loop's first change (Redis' clock, measured).
    # A Redis that has not seen the script answers the first EVALSHA with NOSCRIPT, and the
    # script is sent once (EVAL).
    inside = {"time": 3, "get": 2, "setex": 2}
    assert used in ({"evalsha": 2, **inside}, {"evalsha": 2, "eval": 1, **inside}), used


def test_switching_to_the_store_logs_nobody_out(tmp_path, key_file, redis_server, flask_app):
    """A signed session cookie, Flask's own or cookie mode's, becomes a stored session: the
    same values under a new id. A forged or foreign one does not."""
    from test_flask_interop import dumps

    server = store_crumbs(tmp_path, key_file, redis_server)
    try:
        import msgspec

        cookie = dumps(flask_app, {"count": 41, "hello": "World", "goodnight": "Moon", "raw": b"\x00\xff", "pair": ("a", 1)})
        status, headers, body = get(server.port, "/sessions/count", f"session={cookie}")
        assert status == 200 and value_of(body) == 42
        sid = sid_of(headers)
        stored = msgspec.msgpack.decode(redis_server.client.get(f"session:{sid}"))
        assert stored == {"_permanent": True, "count": 42, "goodnight": "Moon", "hello": "World", "pair": ["a", 1],
                          "raw": b"\x00\xff"}
        # Signed with a key Crumbs does not hold: a fresh session, nothing carried.
        from lesson_app import create_app

        foreign = dumps(create_app(b"a key that crumbs does not know!"), {"count": 9000})
        status, headers, body = get(server.port, "/sessions/count", f"session={foreign}")
        assert status == 200 and value_of(body) == 1
    finally:
        server.stop()


def test_crumbs_starts_while_redis_is_down_and_connects_when_it_comes(tmp_path, key_file, redis_server):
    redis_server.stop()
    server = store_crumbs(tmp_path, key_file, redis_server)
    try:
        assert get(server.port, "/")[0] == 200 and get(server.port, "/crumbs")[0] == 200
        status, headers, _ = get(server.port, "/sessions/count")
        assert status == 503 and header_values(headers, "Retry-After") == ["1"]
        redis_server.start()
        deadline = time.monotonic() + 10
        while get(server.port, "/sessions/count")[0] != 200:
            assert time.monotonic() < deadline, "Crumbs did not connect"
            time.sleep(0.1)
    finally:
        server.stop()
