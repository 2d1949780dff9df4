-- GET /sessions/count carrying a valid session and the mouse cookie: every request
-- verifies one signature and signs a new cookie. The cookie comes from CRUMBS_COOKIE
-- (`crumbs sign '{"count":0,"goodnight":"Moon","hello":"World"}'`).
wrk.path = "/sessions/count"
wrk.headers["Cookie"] = "session=" .. os.getenv("CRUMBS_COOKIE") .. "; mouse=Cookie"
