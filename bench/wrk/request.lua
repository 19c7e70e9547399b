-- One static request for every wrk run of the dsync proxy benchmark, so wrk's own cost is the same on every path.
-- BENCH_PATH: the request target; an absolute URI ("http://127.0.0.1:PORT/health") makes wrk talk to a forward
-- proxy, which is how clients use the original tool. BENCH_METHOD, BENCH_BODY and BENCH_CTYPE make a POST.
wrk.path = os.getenv("BENCH_PATH") or "/"
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = os.getenv("BENCH_CTYPE") or "application/octet-stream"
end
