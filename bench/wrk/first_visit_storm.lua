-- A storm of first visits: GET /sessions/hello without a cookie, each on a new connection
-- (Connection: close), so every request also pays for accept, connection set-up and close.
wrk.path = "/sessions/hello"
wrk.headers["Connection"] = "close"
