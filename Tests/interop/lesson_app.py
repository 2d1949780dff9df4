"""The Flask lesson's app (shared/seed), the reference Crumbs is compared against.

Configured the way Crumbs serves by default: the same secret key, `SameSite=Lax` on the
session cookie and on `mouse`, and `jsonify` in its pretty form.
"""

from flask import Flask, jsonify, make_response, request, session


def create_app(secret_key: bytes, fallbacks: list[bytes] | None = None) -> Flask:
    app = Flask(__name__)
    app.secret_key = secret_key
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks or []
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.json.compact = False

    @app.route("/sessions/<string:key>", methods=["GET"])
    def show_session(key):
        session["hello"] = session.get("hello") or "World"
        session["goodnight"] = session.get("goodnight") or "Moon"
        session["count"] = session.get("count") or 0

        if key == "count":
            session["count"] += 1

        return make_response(
            jsonify(
                {
                    "session": {
                        "session_key": key,
                        "session_value": session[key],
                        "session_accessed": session.accessed,
                    },
                    "cookies": [{cookie: request.cookies[cookie]} for cookie in request.cookies],
                }
            ),
            200,
        )

    @app.route("/crumbs", methods=["GET"])
    def follow_crumbs():
        response = make_response(
            jsonify(
                {
                    "cookies": [{cookie: request.cookies[cookie]} for cookie in request.cookies],
                    "message": "mouse successfully followed crumbs",
                }
            ),
            200,
        )
        response.set_cookie("mouse", "Cookie", samesite="Lax")
        return response

    return app


def serializer(app: Flask):
    """Flask's own session serializer for `app` (signing, compression, JSON tags)."""
    return app.session_interface.get_signing_serializer(app)


def from_environment() -> Flask:
    """The app keyed from the file named by CRUMBS_SECRET_KEY_FILE (for gunicorn in `make bench`)."""
    import os

    with open(os.environ["CRUMBS_SECRET_KEY_FILE"], "rb") as key_file:
        return create_app(key_file.read())


def create_store_app(secret_key: bytes, redis_client) -> Flask:
    """The lesson app on Flask-Session 0.8 with Redis, at its defaults (msgpack, `session:`
    prefix, permanent sessions, 31 days), plus a logout route that clears the session."""
    from flask_session import Session

    app = create_app(secret_key)
    app.config["SESSION_TYPE"] = "redis"
    app.config["SESSION_REDIS"] = redis_client
    Session(app)

    @app.route("/logout", methods=["GET"])
    def logout():
        session.clear()
        return jsonify({"message": "logged out"})

    return app


def store_from_environment() -> Flask:
    """The Flask-Session app keyed from CRUMBS_SECRET_KEY_FILE, on the redis-server at
    CRUMBS_REDIS_SOCKET (for gunicorn in `make bench`)."""
    import os

    import redis

    with open(os.environ["CRUMBS_SECRET_KEY_FILE"], "rb") as key_file:
        app = create_store_app(key_file.read(), redis.Redis(unix_socket_path=os.environ["CRUMBS_REDIS_SOCKET"]))
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    return app
