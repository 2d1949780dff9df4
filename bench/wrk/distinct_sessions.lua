-- GET /sessions/count over 1,000 distinct sessions signed with the server's key, one per
-- request in turn: no cache keyed on a payload or a cookie can serve it. The cookies
-- (`session=...; mouse=Cookie`) are read, one a line, from the file named by
-- CRUMBS_COOKIES (bench/run.py signs them with Flask, counts drawn with a printed seed);
-- requests are built once in init.
local requests = {}
local position = 0

function init(args)
  for cookie in io.lines(os.getenv("CRUMBS_COOKIES")) do
    requests[#requests + 1] = wrk.format("GET", "/sessions/count", { ["Cookie"] = cookie })
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end
