-- GET /crumbs carrying a stored session's cookie (Redis store): the route reads nothing of
-- the session, but Flask-Session reads and rewrites it, and both renew its TTL.
wrk.path = "/crumbs"
wrk.headers["Cookie"] = "session=" .. os.getenv("CRUMBS_STORE_SID")
