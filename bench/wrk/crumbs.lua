-- GET /crumbs with both cookies: parse and echo them, set mouse; no signing.
wrk.path = "/crumbs"
wrk.headers["Cookie"] = "session=" .. os.getenv("CRUMBS_COOKIE") .. "; mouse=Cookie"
