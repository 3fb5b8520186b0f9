-- bench/rest.lua - wrk script for GET /api/p2p/profile, a different user per connection.
--
-- wrk 4.1 has no per-connection hook, so bench/run runs wrk with as many threads as
-- connections (-t C -c C): each thread owns exactly one connection, and setup() gives
-- each thread its own token (line i of $BENCH_TOKENS). With fewer threads than
-- connections it is one user per thread. done() prints one JSON line.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
end
local next_token = 0

function setup(thread)
    next_token = next_token + 1
    thread:set("token", tokens[(next_token - 1) % #tokens + 1])
end

function init(args)
    wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,' ..
        '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
        '"p99_us":%d,"max_us":%d,"threads":%d,"connections":%d}\n',
        summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        tonumber(os.getenv("BENCH_THREADS")), tonumber(os.getenv("BENCH_CONNS"))))
end
