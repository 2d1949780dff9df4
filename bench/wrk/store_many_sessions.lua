-- GET /sessions/count over 1,000 stored sessions in turn (Redis store), one per request:
-- no cache keyed on one session can serve it. The ids are read, one a line, from the file
-- named by CRUMBS_STORE_SIDS; requests are built once in init.
local requests = {}
local position = 0

function init(args)
  for sid in io.lines(os.getenv("CRUMBS_STORE_SIDS")) do
    requests[#requests + 1] = wrk.format("GET", "/sessions/count", { ["Cookie"] = "session=" .. sid })
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end
