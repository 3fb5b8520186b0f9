#!/usr/bin/env python3
"""bench/chat_report.py - the arithmetic of bench/run's chat and push_fanout phases
(issue 13): p2p-chat-load's JSON line, /proc CPU samples and pg_stat_statements
counts into OUT/chat-NAME.json, those into the tables, and the check that fails
the run when a message was lost or anything went wrong. Standard library only.

  chat_report.py phase OUT NAME RAW CPU_BEFORE CPU_AFTER STMTS [KEY=VALUE...]
  chat_report.py table OUT
  chat_report.py check OUT    exit 1 on a lost message, an error or a failed session
                              (the runs under perf excepted)
"""
import glob
import json
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

# Counts that must all be zero for a run to pass, with what each means.
MUST_BE_ZERO = {
    "lost": "messages accepted whose push never reached the other party",
    "errors": "chat.send_message answered with an error",
    "unanswered": "chat.send_message never answered",
    "not_sent": "messages the loader could not send (session gone, queue full)",
    "failed": "sessions that never opened",
    "closed_after_ready": "sessions the gateway closed during the run",
    "duplicates": "pushes delivered twice to the same session",
    "misrouted": "pushes delivered to a session of another order",
}


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                out[parts[0]] = float(parts[1])  # gateways and workers: fractional ticks
    return out


def statements(path):
    """pg_stat_statements rows of the window (the end minus the mark at its start): [(calls, query)], most called first."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "|" in line and "pg_stat_statements" not in line:
                    calls, query = line.rstrip("\n").split("|", 1)
                    rows.append((int(calls), query))
    return sorted(rows, reverse=True)


def phase(out, name, raw, cpu_before, cpu_after, stmts, *extra):
    r = None
    with open(raw) as f:
        for line in f:
            if line.startswith("{"):
                r = json.loads(line)
    if r is None:
        raise SystemExit("chat_report.py: no result line in %s" % raw)
    r.pop("push_hist", None)
    r.pop("reply_hist", None)
    res = {"name": name}
    res.update(r)
    for kv in extra:
        key, _, value = kv.partition("=")
        res[key] = float(value) if value.replace(".", "", 1).isdigit() else value
    before, after = read_kv(cpu_before), read_kv(cpu_after)
    seconds = (after["wall_ms"] - before["wall_ms"]) / 1000.0
    # delivered per second: the messages due inside the loader's window that reached the
    # other party; the load is open loop at a fixed rate, so the CPU samples' window
    # (which a loaded machine may stretch) held that rate times its length
    rate = min(r["rate"], r["measured"] / r["window_s"]) if r["window_s"] else 0.0
    per = rate * seconds
    cpu = {}
    for key in ("gateway_a", "gateway_b", "workers", "pg"):
        ticks = after[key] - before[key]
        cpu[key + "_cores"] = ticks / TICK / seconds if seconds else 0.0
        cpu[key + "_us_per_msg"] = ticks * 1e6 / TICK / per if per else 0.0
    idle_ticks = after.get("idle_loaders", 0) - before.get("idle_loaders", 0)
    cpu["idle_loaders_cores"] = idle_ticks / TICK / seconds if seconds else 0.0
    cpu["loader_us_per_msg"] = r["cpu_s"] * 1e6 / per if per else 0.0
    cpu["loader_cores"] = r["cpu_s"] / seconds if seconds else 0.0
    busy = after["machine_busy"] - before["machine_busy"]
    total = after["machine_total"] - before["machine_total"]
    cpu["machine_busy_cores"] = NCPU * busy / total if total else 0.0
    ours = sum(cpu[k + "_cores"] for k in ("gateway_a", "gateway_b", "workers", "pg", "loader", "idle_loaders"))
    cpu["others_cores"] = max(0.0, cpu["machine_busy_cores"] - ours)
    res["cpu"] = cpu
    res["seconds"] = seconds
    res["msgs_per_s"] = rate
    rows = statements(stmts)
    calls = sum(c for c, _ in rows)
    res["pg_statements_per_msg"] = calls / per if per else 0.0
    res["pg_top"] = [{"per_msg": round(c / per, 2) if per else 0.0, "query": q[:160]} for c, q in rows[:10]]
    with open(os.path.join(out, "chat-%s.json" % name), "w") as f:
        json.dump(res, f, indent=1)


def load(out):
    phases = {}
    for path in sorted(glob.glob(os.path.join(out, "chat-*.json"))):
        with open(path) as f:
            r = json.load(f)
        phases[r["name"]] = r
    return phases


def above_idle(r):
    """Gateway A's µs per push beyond what it spent with the same sessions and no pushes
    (sampled for 5 s just before the run)."""
    rate = r["msgs_per_s"]
    extra = r["cpu"]["gateway_a_cores"] - r["idle_gateway_a_ticks_per_s"] / TICK
    return extra * 1e6 / rate if rate else 0.0


def ms(us):
    return "%.2f" % (us / 1e3)


def table(out):
    phases = load(out)
    if not phases:
        return
    lines = []
    chats = [p for n, p in phases.items() if not n.startswith("fanout_")]
    if chats:
        lines.append("| phase | pairs | target msg/s | measured msg/s | p50 ms | p99 ms | max ms | reply p99 ms "
                     "| lost | errors | gateways A+B µs/msg | µs per delivered push (2/msg) | trade workers µs/msg "
                     "| PostgreSQL µs/msg | PG statements/msg | loader µs/msg, lag p99 ms | machine busy cores "
                     "(others') |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for r in chats:
            c = r["cpu"]
            gw = c["gateway_a_us_per_msg"] + c["gateway_b_us_per_msg"]
            bad = sum(r[k] for k in MUST_BE_ZERO if k != "lost")
            lines.append("| %s | %d | %.0f | %.0f | %s | %s | %s | %s | %d | %d | %.0f | %.0f | %.0f | %.0f | %.2f "
                         "| %.0f, %s | %.2f (%.2f) |" % (
                             "chat send → push at the other party" if r["name"] == "chat"
                             else r["name"] + " (under perf: disturbed)",
                             r["pairs"], r["rate"], r["msgs_per_s"], ms(r["push_p50_us"]),
                             ms(r["push_p99_us"]), ms(r["push_max_us"]), ms(r["reply_p99_us"]), r["lost"],
                             bad, gw, gw / 2, c["workers_us_per_msg"], c["pg_us_per_msg"],
                             r["pg_statements_per_msg"], c["loader_us_per_msg"], ms(r["lag_p99_us"]),
                             c["machine_busy_cores"], c["others_cores"]))
    fans = sorted((p for n, p in phases.items() if n.startswith("fanout_")),
                  key=lambda p: (p["sessions_a"], p.get("perf", 0)))
    if fans:
        if lines:
            lines.append("")
        lines.append("| sessions on gateway A | idle (other users) | under perf | pushes/s delivered on A "
                     "| gateway A µs per push | gateway A cores | A idle before (cores) | µs per push above idle "
                     "| push p99 ms | lost | errors | machine busy cores (others') |")
        lines.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in fans:
            c = r["cpu"]
            bad = sum(r[k] for k in MUST_BE_ZERO if k != "lost")
            lines.append("| %d | %d | %s | %.0f | %.1f | %.3f | %.3f | %s | %s | %d | %d | %.2f (%.2f) |" % (
                r["sessions_a"], r["idle_sessions"], "yes (disturbed)" if r.get("perf") else "no",
                r["msgs_per_s"], c["gateway_a_us_per_msg"], c["gateway_a_cores"],
                r["idle_gateway_a_ticks_per_s"] / TICK, "-" if r.get("perf") else "%.1f" % above_idle(r),
                ms(r["push_p99_us"]), r["lost"], bad, c["machine_busy_cores"], c["others_cores"]))
        fans = [r for r in fans if not r.get("perf")]
        if len(fans) >= 2 and fans[0]["cpu"]["gateway_a_us_per_msg"]:
            lines.append("")
            lines.append("- gateway A CPU per push, %d sessions / %d sessions: %.2f; above the idle gateway's "
                         "own CPU: %.2f" % (
                             fans[-1]["sessions_a"], fans[0]["sessions_a"],
                             fans[-1]["cpu"]["gateway_a_us_per_msg"] / fans[0]["cpu"]["gateway_a_us_per_msg"],
                             above_idle(fans[-1]) / above_idle(fans[0]) if above_idle(fans[0]) > 0 else 0.0))
    lines.append("- every message: send → chat.new_message to the other party's session (on the other "
                 "gateway in chat; on A in push_fanout); A also gets the sender's copy of each push, "
                 "for a user with no session there")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "chat-table.md"), "w") as f:
        f.write(text)
    sys.stdout.write("\n" + text)


def check(out):
    phases = load(out)
    bad = []
    for name, r in phases.items():
        if "perf" in name:
            continue  # recorded under perf: its figures are disturbed by design
        for key, what in MUST_BE_ZERO.items():
            if r.get(key, 0):
                bad.append("%s: %d %s" % (name, r[key], what))
        if not r.get("delivered") or not r.get("measured"):
            bad.append("%s: no message measured" % name)
    if bad:
        sys.stderr.write("chat_report.py: the chat bench failed:\n  " + "\n  ".join(bad) + "\n")
        sys.exit(1)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "phase" and len(sys.argv) >= 8:
        phase(*sys.argv[2:])
    elif cmd == "table" and len(sys.argv) == 3:
        table(sys.argv[2])
    elif cmd == "check" and len(sys.argv) == 3:
        check(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
