-- GET /sessions/hello as a first visit: no cookie in, a freshly signed session out.
wrk.path = "/sessions/hello"
