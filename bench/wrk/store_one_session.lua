-- GET /sessions/count on one stored session (Redis store): every request changes it.
-- The session id comes from CRUMBS_STORE_SID.
wrk.path = "/sessions/count"
wrk.headers["Cookie"] = "session=" .. os.getenv("CRUMBS_STORE_SID")
