#!/usr/bin/env python3
"""bench/report.py - bench/run's arithmetic: turns the raw output of each phase
(p2p-ws-load JSON lines, wrk's Lua summary, pgbench's per-transaction logs,
/proc CPU samples, pg_stat_statements counts) into one JSON per phase, and the
phases into the results table. Standard library only.

  report.py phase OUT NAME KIND RAW CPU_BEFORE CPU_AFTER STMTS
      KIND: ws (RAW holds one JSON line per load process), wrk, pgbench (RAW is
      a directory of pgbench logs plus pgbench's stdout in RAW/stdout)
  report.py idle OUT RAW RSS_BEFORE RSS_CONNECTED RSS_AFTER SESSIONS HOLD_S HOLD_TICKS
  report.py table OUT [BASELINE_PHASE]
  report.py check OUT      exit 1 unless every phase produced numbers, without
                           errors, failed connections or dropped idle sessions
  report.py pgbench-script < SQL   the baseline's pgbench script for the statement
"""
import glob
import json
import os
import re
import sys

TICK = os.sysconf("SC_CLK_TCK")


def pct(hist, total, p):
    """hist: sorted [(value_ns, count)]; the value at percentile p."""
    if not total:
        return 0
    want = max(1, int(p / 100.0 * total + 0.5))
    seen = 0
    for value, count in hist:
        seen += count
        if seen >= want:
            return value
    return hist[-1][0]


def read_cpu(path):
    """A CPU sample written by bench/run: 'gateway N', 'workers N', 'pg N' (ticks)."""
    out = {}
    with open(path) as f:
        for line in f:
            key, value = line.split()
            out[key] = int(value)
    return out


def read_stmts(path):
    """pg_stat_statements rows 'calls|query' since the phase's reset."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or "|" not in line:
                    continue
                calls, query = line.split("|", 1)
                if "pg_stat_statements" in query:
                    continue
                rows.append((int(calls), query))
    return rows


def phase(out, name, kind, raw, cpu_before, cpu_after, stmts):
    res = {"name": name, "kind": kind}
    if kind == "ws":
        merged = {}
        ok = errors = connected = conns = failed = 0
        load_cpu = 0.0
        window = 0.0
        max_ns = 0
        with open(raw) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                ok += r["ok"]
                errors += r["errors"]
                connected += r["connected"]
                conns += r["conns"]
                failed += r["failed"]
                window = max(window, r["window_s"])
                load_cpu = load_cpu + r.get("cpu_s", 0.0)
                max_ns = max(max_ns, r["max_ns"])
                for value, count in r["hist"]:
                    merged[value] = merged.get(value, 0) + count
        hist = sorted(merged.items())
        total = sum(c for _, c in hist)
        res.update(requests=ok, errors=errors, seconds=window,
                   rps=ok / window if window else 0.0,
                   p50_ms=min(pct(hist, total, 50), max_ns) / 1e6,
                   p90_ms=min(pct(hist, total, 90), max_ns) / 1e6,
                   p99_ms=min(pct(hist, total, 99), max_ns) / 1e6,
                   max_ms=max_ns / 1e6, conns=conns, connected=connected, failed=failed,
                   load_cpu_s=load_cpu)
    elif kind == "wrk":
        r = None
        with open(raw) as f:
            for line in f:
                if line.startswith("{"):
                    r = json.loads(line)
        if r is None:
            raise SystemExit("report.py: no wrk summary in %s" % raw)
        seconds = r["duration_us"] / 1e6
        bad = r["status_errors"] + r["connect_errors"] + r["read_errors"] + \
            r["write_errors"] + r["timeouts"]
        good = r["requests"] - r["status_errors"]
        res.update(requests=good, errors=bad, seconds=seconds,
                   rps=good / seconds if seconds else 0.0,
                   p50_ms=r["p50_us"] / 1e3, p90_ms=r["p90_us"] / 1e3,
                   p99_ms=r["p99_us"] / 1e3, max_ms=r["max_us"] / 1e3,
                   conns=r["connections"], threads=r["threads"])
    elif kind == "pgbench":
        lat = []
        for path in glob.glob(os.path.join(raw, "pgbench_log*")):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        lat.append(int(parts[2]))  # microseconds
        lat.sort()
        n = len(lat)
        tps = 0.0
        with open(os.path.join(raw, "stdout")) as f:
            for line in f:
                if line.startswith("tps = "):
                    tps = float(line.split()[2])
        seconds = n / tps if tps else 0.0

        def p(q):
            return lat[min(n - 1, max(0, int(q / 100.0 * n + 0.5) - 1))] / 1e3 if n else 0.0
        res.update(requests=n, errors=0, seconds=seconds, rps=tps, p50_ms=p(50),
                   p90_ms=p(90), p99_ms=p(99), max_ms=lat[-1] / 1e3 if n else 0.0)
    else:
        raise SystemExit("report.py: unknown kind " + kind)

    if kind != "ws":
        path = os.path.join(raw if kind == "pgbench" else os.path.dirname(raw), "load.cpu")
        with open(path) as f:
            res["load_cpu_s"] = float(f.read().strip() or 0)
    before, after = read_cpu(cpu_before), read_cpu(cpu_after)
    cpu = {}
    if res["requests"]:
        cpu["load_us"] = res["load_cpu_s"] * 1e6 / res["requests"]
    for key in ("gateway", "workers", "pg"):
        if key in before and key in after:
            ticks = after[key] - before[key]
            cpu[key + "_us"] = ticks * 1e6 / TICK / res["requests"] if res["requests"] else 0.0
            cpu[key + "_cores"] = ticks / TICK / res["seconds"] if res["seconds"] else 0.0
    res["cpu"] = cpu
    rows = read_stmts(stmts)
    calls = sum(c for c, _ in rows)
    res["pg_statements"] = calls
    res["pg_statements_per_request"] = calls / res["requests"] if res["requests"] else 0.0
    res["pg_top"] = [{"calls": c, "query": q[:120]} for c, q in sorted(rows, reverse=True)[:5]]
    with open(os.path.join(out, "phase-%s.json" % name), "w") as f:
        json.dump(res, f, indent=1)


def idle(out, raw, rss_before, rss_connected, rss_after, sessions, hold_s, hold_ticks):
    connected = failed = open_at_end = closed = 0
    with open(raw) as f:
        for line in f:
            if line.startswith("{"):
                r = json.loads(line)
                connected += r["connected"]
                failed += r["failed"]
                open_at_end += r["open_at_end"]
                closed += r["closed_after_ready"]
    sessions = int(sessions)
    rss_before, rss_connected, rss_after = int(rss_before), int(rss_connected), int(rss_after)
    res = {"name": "idle", "kind": "idle", "sessions": sessions, "connected": connected,
           "failed": failed, "open_at_end": open_at_end, "dropped": sessions - open_at_end,
           "closed_during_hold": closed, "hold_s": float(hold_s),
           "rss_before_kb": rss_before, "rss_connected_kb": rss_connected,
           "rss_after_kb": rss_after,
           "gateway_cores_during_hold": int(hold_ticks) / TICK / float(hold_s),
           "kb_per_session": (max(rss_connected, rss_after) - rss_before) / sessions
           if sessions else 0.0}
    with open(os.path.join(out, "phase-idle.json"), "w") as f:
        json.dump(res, f, indent=1)


LABELS = {
    "pgbench": "pgbench custom (service's SELECT, -M prepared)",
    "ws": "WebSocket profile.get",
    "ws_warn": "WebSocket profile.get, LOG_LEVEL=warn",
    "rest_warn": "REST GET /api/p2p/profile (wrk, a thread per connection), LOG_LEVEL=warn",
    "rest": "REST GET /api/p2p/profile (wrk, a thread per connection)",
    "rest2": "REST GET /api/p2p/profile (wrk, 2 threads)",
    "ws1": "WebSocket profile.get, 1 worker",
    "ws_perf": "WebSocket profile.get under perf record (disturbed)",
    "search": "WebSocket profile.search",
    "pgbench_big": "pgbench custom, large table",
    "ws_big": "WebSocket profile.get, large table",
    "search_big": "WebSocket profile.search, large table",
    "search_big1": "WebSocket profile.search, large table, 1 connection",
}


def load_phases(out):
    phases = {}
    for path in sorted(glob.glob(os.path.join(out, "phase-*.json"))):
        with open(path) as f:
            r = json.load(f)
        phases[r["name"]] = r
    return phases


def table(out, baseline="pgbench"):
    phases = load_phases(out)
    base = phases.get(baseline)
    lines = []
    lines.append("| phase | req/s | × pgbench | p50 ms | p90 ms | p99 ms | max ms | gateway µs/req "
                 "| workers µs/req | PostgreSQL µs/req | PG statements/req | load generator µs/req | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = ["pgbench", "ws", "ws_warn", "rest", "rest_warn", "rest2", "ws1", "search", "ws_perf", "pgbench_big", "ws_big", "search_big", "search_big1"]
    for name in order + sorted(set(phases) - set(order) - {"idle"}):
        r = phases.get(name)
        if not r:
            continue
        b = base
        if ("_big" in name) and "pgbench_big" in phases:
            b = phases["pgbench_big"]
        ratio = r["rps"] / b["rps"] if b and b["rps"] else 0.0
        cpu = r["cpu"]

        def us(key):
            return "%.0f" % cpu[key] if key in cpu and (key != "gateway_us" or r["kind"] != "pgbench") \
                and (key != "workers_us" or r["kind"] != "pgbench") else "-"
        lines.append("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %.2f | %s | %d |" % (
            LABELS.get(name, name), r["rps"], ratio, r["p50_ms"], r["p90_ms"], r["p99_ms"],
            r["max_ms"], us("gateway_us"), us("workers_us"), us("pg_us"),
            r["pg_statements_per_request"], us("load_us"), r["errors"]))
    i = phases.get("idle")
    if i:
        lines.append("")
        lines.append("| idle sessions | connected | closed by the gateway after connecting | hold s | gateway RSS before → connected → after hold (KB) | KB per session (RSS growth / sessions) | gateway CPU during hold (cores) |")
        lines.append("|---:|---:|---:|---:|---|---:|---:|")
        lines.append("| %d | %d | %d | %.0f | %d → %d → %d | %.2f | %.3f |" % (
            i["sessions"], i["connected"], i["dropped"], i["hold_s"], i["rss_before_kb"],
            i["rss_connected_kb"], i["rss_after_kb"], i["kb_per_session"],
            i["gateway_cores_during_hold"]))
    notes = []
    for name in order:
        r = phases.get(name)
        if r and r.get("kind") == "ws" and r.get("connected", 0) < r.get("conns", 0):
            notes.append("%s: only %d of %d connections connected" % (name, r["connected"], r["conns"]))
    for info, warn in (("ws", "ws_warn"), ("rest", "rest_warn")):
        a, b = phases.get(info), phases.get(warn)
        if a and b and "gateway_us" in a["cpu"] and "gateway_us" in b["cpu"]:
            cost = (a["cpu"]["gateway_us"] + a["cpu"].get("workers_us", 0.0)) - \
                (b["cpu"]["gateway_us"] + b["cpu"].get("workers_us", 0.0))
            notes.append("%s: request logging at info costs %.1f µs of service CPU per request "
                         "(gateway + workers, %s minus %s); throughput %s/%s: %.2f"
                         % (info, cost, info, warn, info, warn, a["rps"] / b["rps"] if b["rps"] else 0.0))
    log_cost = os.path.join(out, "log-cost.json")
    if os.path.exists(log_cost):
        with open(log_cost) as f:
            c = json.load(f)
        notes.append("one request.done line, buffered and written to a file: %.2f µs of CPU "
                     "(a request writes two such lines: gateway and worker)" % c["cpu_us_per_line"])
    if "ws" in phases and "ws1" in phases and phases["ws1"]["rps"]:
        notes.append("2 workers / 1 worker throughput: %.2f" % (phases["ws"]["rps"] / phases["ws1"]["rps"]))
    if "ws" in phases and "ws_big" in phases and phases["ws"]["rps"]:
        notes.append("profile.get throughput, large table / small table: %.2f"
                     % (phases["ws_big"]["rps"] / phases["ws"]["rps"]))
    if notes:
        lines.append("")
        lines.extend("- " + n for n in notes)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def check(out):
    phases = load_phases(out)
    bad = []
    wrong = []
    for name, r in phases.items():
        if r["kind"] == "idle":
            if r["connected"] == 0:
                bad.append(name)
            # a session that failed to open or was dropped while idle is a failure,
            # however many others held
            elif r["failed"] or r["dropped"] or r["closed_during_hold"]:
                wrong.append("%s: %d failed to open, %d dropped, %d closed during the hold"
                             % (name, r["failed"], r["dropped"], r["closed_during_hold"]))
        elif not r["requests"] or not r["rps"]:
            bad.append(name)
        elif r.get("errors") or r.get("failed"):
            wrong.append("%s: %d requests failed, %d connections failed"
                         % (name, r.get("errors", 0), r.get("failed", 0)))
    if bad or not phases:
        sys.stderr.write("report.py: phases without numbers: %s\n" % (", ".join(bad) or "all"))
    for line in wrong:
        sys.stderr.write("report.py: %s\n" % line)
    if bad or wrong or not phases:
        sys.exit(1)


def pgbench_script():
    """stdin: the service's statement; stdout: a pgbench script running it for a
    random user id. pgbench -M prepared takes every ':word' for a variable, even
    inside a string literal, so literals with ':' are respelled E'...\\x3a...'."""
    sql = sys.stdin.read().strip()

    def lit(m):
        body = m.group(1)
        if ":" not in body:
            return m.group(0)
        return "E'" + body.replace("\\", "\\\\").replace(":", "\\x3a") + "'"
    sql = re.sub(r"'([^']*)'", lit, sql)
    if sql.count("$1") != 1 or "$2" in sql:
        raise SystemExit("report.py: expected a statement with one parameter")
    print("\\set uid random(1, :nprofiles)")
    print(sql.replace("$1", ":uid") + ";")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "phase" and len(sys.argv) == 9:
        phase(*sys.argv[2:])
    elif cmd == "idle" and len(sys.argv) == 10:
        idle(*sys.argv[2:])
    elif cmd == "table" and len(sys.argv) in (3, 4):
        table(*sys.argv[2:])
    elif cmd == "pgbench-script" and len(sys.argv) == 2:
        pgbench_script()
    elif cmd == "check" and len(sys.argv) == 3:
        check(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
