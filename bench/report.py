#!/usr/bin/env python3
"""bench/report.py - bench/run's arithmetic: turns the raw output of each phase
(p2p-ws-load JSON lines, the REST loaders' summary line (p2p-http-load prints
wrk's bench/rest.lua format), pgbench's per-transaction logs,
/proc CPU samples, pg_stat_statements counts) into one JSON per phase, and the
phases into the results table. Standard library only.

  report.py phase OUT NAME KIND RAW CPU_BEFORE CPU_AFTER STMTS
      KIND: ws (RAW holds one JSON line per load process), wrk, pgbench (RAW is
      a directory of pgbench logs plus pgbench's stdout in RAW/stdout)
      (with RAW/meta.json {window_start_ms, window_end_ms, per_script, run_s}: one run
      holding warm-up and measurement; only transactions completed in the window count,
      and each stands for per_script requests)
  report.py idle OUT RAW RSS_BEFORE RSS_CONNECTED RSS_AFTER SESSIONS HOLD_S HOLD_TICKS
  report.py books OUT WHEN RC FILE   scripts/ledger-check's verdict after WHEN
  report.py table OUT [BASELINE_PHASE]
  report.py check OUT      exit 1 unless every phase produced numbers without errors
                           and the books add up
  report.py pgbench-script < SQL   the baseline's pgbench script for the statement
  report.py pgbench-compose TEMPLATE BENCH_SQL   a pgbench script of the workers' statements
"""
import glob
import json
import os
import re
import statistics
import subprocess
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
            out[key] = float(value) if "." in value else int(value)
    return out


def read_stmts(path):
    """pg_stat_statements rows 'calls|total_exec_ms|query' of the phase's window (its end minus the mark at its start), as
    (calls, query, ms)."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.count("|") < 2:
                    continue
                calls, ms, query = line.split("|", 2)
                if "pg_stat_statements" in query:
                    continue
                rows.append((int(calls), query, float(ms)))
    return rows


def phase(out, name, kind, raw, cpu_before, cpu_after, stmts):
    res = {"name": name, "kind": kind}
    if kind == "ws":
        merged = {}
        ok = errors = connected = conns = failed = closed = 0
        steps = {}
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
                errors += r["errors"] + r.get("errors_outside_window", 0)
                connected += r["connected"]
                closed += r.get("closed_after_ready", 0)
                steps.update(r.get("steps", {}))
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
                   closed_after_ready=closed, load_cpu_s=load_cpu)
        if steps:
            res["steps"] = {k: {"rps": v["ok"] / window if window else 0.0,
                                "p50_ms": v["p50_us"] / 1e3, "p99_ms": v["p99_us"] / 1e3,
                                "max_ms": v["max_us"] / 1e3} for k, v in steps.items()}
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
        meta = {}
        if os.path.exists(os.path.join(raw, "meta.json")):
            with open(os.path.join(raw, "meta.json")) as f:
                meta = json.load(f)
        lat = []
        failed_logged = 0
        for path in glob.glob(os.path.join(raw, "pgbench_log*")):
            with open(path) as f:
                for line in f:
                    # client transaction latency_us script epoch_s us [lag]
                    parts = line.split()
                    if len(parts) < 6:
                        continue
                    if not parts[2].isdigit():
                        failed_logged += 1  # "failed" (or "skipped"), wherever it happened
                        continue
                    done_ms = int(parts[4]) * 1000 + int(parts[5]) // 1000
                    if meta and not meta["window_start_ms"] <= done_ms < meta["window_end_ms"]:
                        continue
                    lat.append(int(parts[2]))  # microseconds
        lat.sort()
        n = len(lat)
        tps = failed = 0.0
        with open(os.path.join(raw, "stdout")) as f:
            for line in f:
                if line.startswith("tps = "):
                    tps = float(line.split()[2])
                if line.startswith("number of failed transactions:"):
                    failed = int(line.split(":")[1].split()[0])
        failed = max(failed, failed_logged)
        if meta:
            seconds = (meta["window_end_ms"] - meta["window_start_ms"]) / 1000.0
            tps = n / seconds
        else:
            seconds = n / tps if tps else 0.0
        per = meta.get("per_script", 1)

        def p(q):
            return lat[min(n - 1, max(0, int(q / 100.0 * n + 0.5) - 1))] / 1e3 if n else 0.0
        res.update(requests=n * per, errors=failed, seconds=seconds, rps=tps * per, p50_ms=p(50),
                   p90_ms=p(90), p99_ms=p(99), max_ms=lat[-1] / 1e3 if n else 0.0,
                   per_script=per)
    else:
        raise SystemExit("report.py: unknown kind " + kind)

    if kind != "ws":
        path = os.path.join(raw if kind == "pgbench" else os.path.dirname(raw), "load.cpu")
        with open(path) as f:
            res["load_cpu_s"] = float(f.read().strip() or 0)
        if kind == "pgbench" and meta:
            # the client's CPU covers the whole run: count the window's share
            res["load_cpu_s"] *= res["seconds"] / meta["run_s"]
    before, after = read_cpu(cpu_before), read_cpu(cpu_after)
    cpu = {}
    if res["requests"]:
        cpu["load_us"] = res["load_cpu_s"] * 1e6 / res["requests"]
    for key in ("gateway", "workers", "pg"):
        if key in before and key in after:
            ticks = after[key] - before[key]
            cpu[key + "_us"] = ticks * 1e6 / TICK / res["requests"] if res["requests"] else 0.0
            cpu[key + "_cores"] = ticks / TICK / res["seconds"] if res["seconds"] else 0.0
    # request logging from inside (log_cost): the time every line took, gateway and
    # workers, per request, over the same samples as the CPU figures (at warn: ~0)
    if "log_gateway_s" in before and "log_gateway_s" in after and res["requests"]:
        spent = (after["log_gateway_s"] - before["log_gateway_s"]) + \
            (after.get("log_workers_s", 0.0) - before.get("log_workers_s", 0.0))
        cpu["log_us"] = spent * 1e6 / res["requests"]
    res["cpu"] = cpu
    rows = read_stmts(stmts)
    calls = sum(c for c, _, _ in rows)
    res["pg_statements"] = calls
    res["pg_statements_per_request"] = calls / res["requests"] if res["requests"] else 0.0
    res["pg_top"] = [{"calls": c, "query": q[:120]} for c, q, _ in sorted(rows, reverse=True)[:5]]
    # where PostgreSQL's time goes: the statements by their execution time
    res["pg_time"] = [{"calls": c, "total_ms": round(ms, 1), "mean_ms": round(ms / c, 3), "query": q[:120]}
                      for c, q, ms in sorted(rows, key=lambda r: -r[2])[:8]]
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


def books(out, when, rc, path):
    """scripts/ledger-check's verdict after a phase: OUT/books-WHEN.json."""
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    res = {"after": when, "consistent": int(rc) == 0, "lines": lines[-50:]}
    with open(os.path.join(out, "books-%s.json" % when), "w") as f:
        json.dump(res, f, indent=1)


def load_books(out):
    found = []
    for path in sorted(glob.glob(os.path.join(out, "books-*.json")), key=os.path.getmtime):
        with open(path) as f:
            found.append(json.load(f))
    return found


LABELS = {
    "pgbench": "pgbench custom (service's SELECT, -M prepared)",
    "pgbench_after": "pgbench custom, again after ws, ws_paced and rest",
    "ws": "WebSocket profile.get",
    "ws_warn": "WebSocket profile.get, LOG_LEVEL=warn",
    "ws_paced": "WebSocket profile.get at a fixed rate",
    "ws_paced_warn": "WebSocket profile.get at a fixed rate, LOG_LEVEL=warn",
    "rest_warn": "REST GET /api/p2p/profile, LOG_LEVEL=warn",
    "rest": "REST GET /api/p2p/profile",
    "rest2": "REST GET /api/p2p/profile (wrk, a thread per connection)",
    "ws1": "WebSocket profile.get, 1 worker",
    "ws_perf": "WebSocket profile.get under perf record (disturbed)",
    "search": "WebSocket profile.search",
    "pgbench_big": "pgbench custom, large table",
    "ws_big": "WebSocket profile.get, large table",
    "search_big": "WebSocket profile.search, large table",
    "search_big1": "WebSocket profile.search, large table, 1 connection",
    "search_big_nocache": "WebSocket profile.search, large table, search cache off",
    "search_big_noindex": "WebSocket profile.search, large table, search cache and index off",
    "pgbench_ads": "pgbench: the listing's statements (bench/ads.pgbench)",
    "ads": "WebSocket ad.list",
    "ads_nocache": "WebSocket ad.list, answer cache off",
    "pgbench_orders": "pgbench: the lifecycle's transactions (bench/orders.pgbench; latency per 3 transitions)",
    "orders": "WebSocket order lifecycle (per transition)",
}

# The phases a phase is compared with (else the profile pgbench).
BASELINES = {"ads": "pgbench_ads", "ads_nocache": "pgbench_ads", "pgbench_ads": "pgbench_ads",
             "orders": "pgbench_orders", "pgbench_orders": "pgbench_orders"}


ROUND_RE = re.compile(r"^(ws|rest|pgbench)_r([0-9]+)$")
ROUND_LABELS = {"ws": "WebSocket profile.get, round %d", "rest": "REST GET /api/p2p/profile, round %d",
                "pgbench": "pgbench custom, again after round %d"}


def label(name):
    m = ROUND_RE.match(name)
    if m:
        return ROUND_LABELS[m.group(1)] % int(m.group(2))
    return LABELS.get(name, name)


def round_names(phases):
    """The rounds after the first (bench/run --rounds), in order: [(2, 'ws_r2', ...)]."""
    rounds = sorted({int(m.group(2)) for m in map(ROUND_RE.match, phases) if m})
    return [(r, "ws_r%d" % r, "rest_r%d" % r, "pgbench_r%d" % r) for r in rounds]


def mean_rps(a, b):
    if a and b and a["rps"] and b["rps"]:
        return {"rps": (a["rps"] + b["rps"]) / 2.0}
    return None


def round_baselines(phases, baseline="pgbench"):
    """Each round's baseline: the mean of the pgbench phase just before its ws and rest
    and the one just after (round 1: pgbench and pgbench_after; round N: pgbench_r(N-1),
    or pgbench_after for N = 2, and pgbench_rN)."""
    bases = {1: bracketed_baseline(phases, baseline)}
    before = baseline + "_after"
    for r, _, _, after in round_names(phases):
        bases[r] = mean_rps(phases.get(before), phases.get(after))
        before = after
    return bases


def load_phases(out):
    phases = {}
    for path in sorted(glob.glob(os.path.join(out, "phase-*.json"))):
        with open(path) as f:
            r = json.load(f)
        phases[r["name"]] = r
    return phases


def bracketed_baseline(phases, baseline="pgbench"):
    """The profile phases' baseline: the mean of the pgbench phase before them and
    pgbench_after, run after ws, ws_paced and rest (bench/run), when both ran. The
    machine's speed drifts between phases a minute apart (bench/RESULTS.md, sessions 14
    and 15); a drift that is steady over the bracket cancels for the phases inside it."""
    before, after = phases.get(baseline), phases.get(baseline + "_after")
    return mean_rps(before, after) or before or after


def table(out, baseline="pgbench"):
    phases = load_phases(out)
    base = bracketed_baseline(phases, baseline)
    lines = []
    lines.append("| phase | req/s | × pgbench | p50 ms | p90 ms | p99 ms | max ms | gateway µs/req "
                 "| workers µs/req | PostgreSQL µs/req | PG statements/req | load generator µs/req | log µs/req | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = ["pgbench", "pgbench_after", "ws", "ws_warn", "ws_paced", "ws_paced_warn", "rest", "rest_warn", "rest2", "ws1", "search", "ws_perf", "pgbench_big",
             "ws_big", "search_big", "search_big1", "search_big_nocache", "search_big_noindex", "pgbench_ads", "ads_nocache", "ads", "pgbench_orders", "orders"]
    bases = round_baselines(phases, baseline)
    rounds = round_names(phases)
    rounded = [n for _, ws, rest, pg in rounds for n in (ws, rest, pg)]
    order[order.index("rest2"):order.index("rest2")] = rounded
    for name in order + sorted(set(phases) - set(order) - {"idle"}):
        r = phases.get(name)
        if not r:
            continue
        b = base
        m = ROUND_RE.match(name)
        if m and m.group(1) != "pgbench":
            b = bases.get(int(m.group(2)))
        if ("_big" in name) and "pgbench_big" in phases:
            b = phases["pgbench_big"]
        if name in BASELINES:
            b = phases.get(BASELINES[name])
        ratio = "%.2f" % (r["rps"] / b["rps"]) if b and b["rps"] else "-"
        cpu = r["cpu"]

        def us(key):
            return "%.0f" % cpu[key] if key in cpu and (key != "gateway_us" or r["kind"] != "pgbench") \
                and (key != "workers_us" or r["kind"] != "pgbench") else "-"
        log_us = "%.1f" % cpu["log_us"] if "log_us" in cpu else "-"
        lines.append("| %s | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %.2f | %s | %s | %d |" % (
            label(name), r["rps"], ratio, r["p50_ms"], r["p90_ms"], r["p99_ms"],
            r["max_ms"], us("gateway_us"), us("workers_us"), us("pg_us"),
            r["pg_statements_per_request"], us("load_us"), log_us, r["errors"]))
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
    before, after = phases.get(baseline), phases.get(baseline + "_after")
    if before and after and before["rps"] and after["rps"]:
        notes.append("× pgbench divides by the mean of %s (%.0f/s, before ws) and %s (%.0f/s, after rest): "
                     "%.0f/s; the two differ by %.0f %%, the machine's drift over the bracket"
                     % (baseline, before["rps"], baseline + "_after", after["rps"], base["rps"],
                        100.0 * abs(after["rps"] - before["rps"]) / base["rps"]))
    if rounds:
        for what, first in (("ws", "WebSocket profile.get"), ("rest", "REST")):
            ratios = []
            for r in [1] + [r for r, _, _, _ in rounds]:
                p = phases.get(what if r == 1 else "%s_r%d" % (what, r))
                if p and bases.get(r) and bases[r]["rps"]:
                    ratios.append(p["rps"] / bases[r]["rps"])
            if ratios:
                notes.append("%s × pgbench, each round against its own bracket: %s; median %.2f"
                             % (first, ", ".join("%.2f" % x for x in ratios), statistics.median(ratios)))
    for name in order:
        r = phases.get(name)
        if r and r.get("kind") == "ws" and r.get("connected", 0) < r.get("conns", 0):
            notes.append("%s: only %d of %d connections connected" % (name, r["connected"], r["conns"]))
    # The paced pair runs the same request rate at both levels, so its loops batch alike;
    # the closed-loop pairs also differ by whatever throughput each phase reached (a
    # loop's fixed costs spread over more or fewer requests). Both still carry the
    # machine's drift between two phases (the load generator, which logs nothing, moves
    # as much; bench/RESULTS.md session 14): the "log µs/req" column is measured inside.
    for info, warn in (("ws_paced", "ws_paced_warn"), ("ws", "ws_warn"), ("rest", "rest_warn")):
        a, b = phases.get(info), phases.get(warn)
        if a and b and "gateway_us" in a["cpu"] and "gateway_us" in b["cpu"]:
            cost = (a["cpu"]["gateway_us"] + a["cpu"].get("workers_us", 0.0)) - \
                (b["cpu"]["gateway_us"] + b["cpu"].get("workers_us", 0.0))
            notes.append("%s: request logging at info costs %.1f µs of service CPU per request "
                         "(gateway + workers, %s minus %s); throughput %s/%s: %.2f"
                         % (info, cost, info, warn, info, warn, a["rps"] / b["rps"] if b["rps"] else 0.0))
    inside = ["%s %.1f" % (name, phases[name]["cpu"]["log_us"]) for name in order
              if name in phases and "log_us" in phases[name].get("cpu", {})]
    if inside:
        notes.append("request logging measured inside the processes (the time their lines took to build "
                     "and write, gateway + workers, µs per request): " + ", ".join(inside))
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
    o = phases.get("orders")
    if o and o.get("steps"):
        notes.append("orders, per transition: " + "; ".join(
            "%s %.0f/s p50 %.2f p99 %.2f max %.2f ms" % (k, v["rps"], v["p50_ms"], v["p99_ms"], v["max_ms"])
            for k, v in o["steps"].items()))
    for ws, pg, what in (("ads", "pgbench_ads", "listing"), ("orders", "pgbench_orders", "transition")):
        if ws in phases and pg in phases:
            notes.append("PostgreSQL statements per %s: trade-svc %.2f, the pgbench script %.2f (BEGIN/COMMIT "
                         "included)" % (what, phases[ws]["pg_statements_per_request"],
                                        phases[pg]["pg_statements_per_request"]))
    for b in load_books(out):
        notes.append("books after %s: %s" % (b["after"], "consistent" if b["consistent"] else
                                              "%d violation(s): %s" % (len(b["lines"]) - 1,
                                                                       " | ".join(b["lines"][:5]))))
    if notes:
        lines.append("")
        lines.extend("- " + n for n in notes)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def check(out):
    """Exit 1 when a phase has no numbers or has errors (error replies, failed or
    dropped connections, failed pgbench transactions), or the books do not add up."""
    phases = load_phases(out)
    bad = []
    for name, r in phases.items():
        if r["kind"] == "idle":
            if r["connected"] == 0:
                bad.append("%s: nothing connected" % name)
            # a session that failed to open or was dropped while idle is a failure,
            # however many others held
            elif r["failed"] or r["dropped"] or r["closed_during_hold"]:
                bad.append("%s: %d failed to open, %d dropped, %d closed during the hold"
                           % (name, r["failed"], r["dropped"], r["closed_during_hold"]))
            continue
        if not r["requests"] or not r["rps"]:
            bad.append("%s: no numbers" % name)
        if r["errors"]:
            bad.append("%s: %d errors" % (name, r["errors"]))
        if r["kind"] == "ws" and (r.get("failed") or r.get("closed_after_ready")):
            bad.append("%s: %d connections failed, %d closed" % (name, r.get("failed", 0),
                                                                   r.get("closed_after_ready", 0)))
    for b in load_books(out):
        if not b["consistent"]:
            bad.append("books after %s do not add up (scripts/ledger-check)" % b["after"])
    if bad or not phases:
        sys.stderr.write("report.py: failed: %s\n" % ("; ".join(bad) or "no phases"))
        sys.exit(1)


def respell_colons(sql):
    """pgbench -M prepared takes every ':word' for a variable, even inside a string
    literal, so literals with ':' are respelled E'...\\x3a...' (the same string)."""
    def lit(m):
        body = m.group(1)
        if ":" not in body:
            return m.group(0)
        return "E'" + body.replace("\\", "\\\\").replace(":", "\\x3a") + "'"
    return re.sub(r"'([^']*)'", lit, sql)


def pgbench_script():
    """stdin: the service's statement; stdout: a pgbench script running it for a
    random user id (literals respelled, see respell_colons)."""
    sql = respell_colons(sys.stdin.read().strip())
    if sql.count("$1") != 1 or "$2" in sql:
        raise SystemExit("report.py: expected a statement with one parameter")
    print("\\set uid random(1, :nprofiles)")
    print(sql.replace("$1", ":uid") + ";")


def pgbench_compose(template, bench_sql):
    """A pgbench script from TEMPLATE (stdout): a line "@name arg1 arg2 ... [\\gset prefix]"
    becomes the statement `name` as the workers prepare it (text from BENCH_SQL, i.e.
    p2p-bench-sql), with $n replaced by the n-th argument, a pgbench :variable or NULL, and
    ':' inside its literals respelled (see respell_colons); other lines pass through.
    pgbench cannot bind a NULL parameter, and a literal NULL would let PostgreSQL fold
    "$4 IS NULL OR ..." away even in a generic plan, where the service's NULL parameter
    cannot be folded: NULL is written NULLIF(:nothing, :nothing), a NULL that is still a
    parameter (the caller passes -D nothing=0)."""
    out = []
    with open(template) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("@"):
                out.append(line)
                continue
            gset = ""
            if "\\gset" in line:
                line, gset = line.split("\\gset", 1)
                gset = " \\gset" + gset.rstrip()
            words = line[1:].split()
            name, args = words[0], words[1:]
            sql = subprocess.run([bench_sql, name], check=True, capture_output=True,
                                 text=True).stdout.strip()
            sql = respell_colons(sql)
            wanted = {int(n) for n in re.findall(r"\$(\d+)", sql)}
            if wanted != set(range(1, len(args) + 1)):
                raise SystemExit("report.py: %s takes $1..$%d, the template gives %d argument(s)"
                                 % (name, max(wanted or {0}), len(args)))
            args = ["NULLIF(:nothing, :nothing)" if a == "NULL" else a for a in args]
            sql = re.sub(r"\$(\d+)", lambda m: args[int(m.group(1)) - 1], sql)
            out.append(sql + (gset if gset else ";"))
    print("\n".join(out))


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
    elif cmd == "books" and len(sys.argv) == 6:
        books(*sys.argv[2:])
    elif cmd == "pgbench-compose" and len(sys.argv) == 4:
        pgbench_compose(sys.argv[2], sys.argv[3])
    elif cmd == "check" and len(sys.argv) == 3:
        check(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
