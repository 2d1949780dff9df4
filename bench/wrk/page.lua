-- GET /: the page (7.6 KB of HTML with its security headers), the same bytes every time.
wrk.path = "/"
