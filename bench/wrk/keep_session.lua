-- A wrk client that behaves like one browser per connection: it starts from the session
-- cookie it is given (CRUMBS_COOKIE, optional) and keeps whatever Set-Cookie sends back,
-- so count keeps growing. Slower for wrk itself than the static scripts: use it to see the
-- cookies work under load, the other scripts to measure.
local session = os.getenv("CRUMBS_COOKIE")
wrk.path = os.getenv("CRUMBS_PATH") or "/sessions/count"

function request()
  if session and session ~= "" then
    wrk.headers["Cookie"] = "session=" .. session
  end
  return wrk.format()
end

function response(status, headers, body)
  local set = headers["Set-Cookie"]
  if set then
    local value = set:match("^session=([^;]*)")
    if value then session = value end
  end
end
