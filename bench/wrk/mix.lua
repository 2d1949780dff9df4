-- A browsing mix, in a fixed rotation: count (with cookies) twice, hello (first visit),
-- crumbs (with cookies), goodnight (with cookies). Requests are built once in init.
local cookie = "session=" .. os.getenv("CRUMBS_COOKIE") .. "; mouse=Cookie"
local requests = {}
local position = 0

function init(args)
  local with = { ["Cookie"] = cookie }
  requests = {
    wrk.format("GET", "/sessions/count", with),
    wrk.format("GET", "/sessions/hello", {}),
    wrk.format("GET", "/crumbs", with),
    wrk.format("GET", "/sessions/count", with),
    wrk.format("GET", "/sessions/goodnight", with),
  }
end

function request()
  position = position % #requests + 1
  return requests[position]
end
