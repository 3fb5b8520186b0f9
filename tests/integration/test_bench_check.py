"""bench/run fails when a phase has errors (issue 12: `bench/run --quick` runs in CI and must
FAIL when a phase has errors): bench/report.py turns each phase's raw output into its
numbers, and `report.py check` is bench/run's last step. These run it on load-generator
and pgbench output written here, without a stack; and scripts/ledger-check, which bench/run
and the simulation trust to find books that do not add up, on a database of the test's own
that was made not to add up."""

import json
import os
import subprocess
import sys

import pytest

from test_faults import own_pg, psql_url  # noqa: F401  (own_pg: a PostgreSQL of the test's own)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
REPORT = os.path.join(ROOT, "bench", "report.py")


def _report(*args):
    return subprocess.run([sys.executable, REPORT, *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def _cpu(path):
    path.write_text("gateway 10\nworkers 20\npg 30\n")
    return path


def _ws_phase(out, raw, name, **over):
    """One p2p-ws-load result line (what bench/run's phase_ws gets), then report.py phase."""
    load = {"mode": "orders", "conns": 8, "connected": 8, "failed": 0, "open_at_end": 8,
            "closed_after_ready": 0, "ok": 300, "errors": 0, "errors_outside_window": 0,
            "window_s": 1.0, "rps": 300.0, "p50_us": 1000.0, "p90_us": 2000.0, "p99_us": 3000.0,
            "max_us": 3000.0, "hist": [[1000000, 150], [3000000, 150]], "max_ns": 3000000,
            "cpu_s": 0.1}
    load.update(over)
    d = raw / name
    d.mkdir()
    (d / "load.json").write_text(json.dumps(load) + "\n")
    done = _report("phase", out, name, "ws", d / "load.json", _cpu(d / "cpu.before"), _cpu(d / "cpu.after"),
                   d / "stmts")
    assert done.returncode == 0, done.stderr


def _pgbench_phase(out, raw, name, failed, via="log"):
    """A pgbench -l log (client, tx, latency us, script, epoch s, us; 'failed' in the latency
    column for a failed transaction, as pgbench 15 writes it), its summary and its window;
    the failures told by the log or by the summary only."""
    d = raw / name
    d.mkdir()
    lines = [f"0 {i} 1500 0 1700000000 {i * 1000}" for i in range(200)]
    if via == "log":
        lines += [f"0 {200 + i} failed 0 1700000000 {500000 + i}" for i in range(failed)]
    (d / "pgbench_log.1").write_text("\n".join(lines) + "\n")
    summary = f"number of failed transactions: {failed} (2.000%)\n" if via == "stdout" else ""
    (d / "stdout").write_text("number of transactions actually processed: 200\n" + summary)
    (d / "load.cpu").write_text("0.1\n")
    (d / "meta.json").write_text(json.dumps({"window_start_ms": 1700000000000, "window_end_ms": 1700000001000,
                                             "per_script": 1, "run_s": 1}))
    done = _report("phase", out, name, "pgbench", d, _cpu(d / "cpu.before"), _cpu(d / "cpu.after"),
                   d / "stmts")
    assert done.returncode == 0, done.stderr


@pytest.fixture
def dirs(tmp_path):
    out, raw = tmp_path / "out", tmp_path / "raw"
    out.mkdir()
    raw.mkdir()
    return out, raw


def test_clean_phases_pass(dirs):
    out, raw = dirs
    _ws_phase(out, raw, "orders")
    _pgbench_phase(out, raw, "pgbench_orders", failed=0)
    done = _report("check", out)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("over, says", [
    ({"errors": 3}, "orders: 3 errors"),
    ({"errors_outside_window": 2}, "orders: 2 errors"),  # an error in the warm-up counts too
    ({"failed": 1, "connected": 7}, "connections failed"),
    ({"closed_after_ready": 1}, "connections failed"),
    ({"ok": 0, "hist": []}, "orders: no numbers"),
])
def test_a_ws_phase_with_errors_fails_the_run(dirs, over, says):
    out, raw = dirs
    _ws_phase(out, raw, "orders", **over)
    done = _report("check", out)
    assert done.returncode == 1 and says in done.stderr, done.stderr


@pytest.mark.parametrize("via", ["log", "stdout"])
def test_failed_pgbench_transactions_fail_the_run(dirs, via):
    out, raw = dirs
    _pgbench_phase(out, raw, "pgbench_orders", failed=4, via=via)
    done = _report("check", out)
    assert done.returncode == 1 and "pgbench_orders: 4 errors" in done.stderr, done.stderr


def test_books_that_do_not_add_up_fail_the_run(dirs, own_pg):  # noqa: F811
    """scripts/ledger-check on books made not to add up (a wallet credited without its
    journal row) exits 1 naming the wallet; report.py books/check turn that into a failed run."""
    out, raw = dirs
    _ws_phase(out, raw, "orders")
    check = os.path.join(ROOT, "scripts", "ledger-check")
    clean = subprocess.run([check, own_pg.url], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0 and "consistent" in clean.stdout, clean.stdout + clean.stderr
    profile_id = psql_url(own_pg.url, "INSERT INTO p2p_profiles (user_id, username, has_consent) "
                                      "VALUES ('bench_check', 'bench_check', TRUE) RETURNING id").strip()
    psql_url(own_pg.url, "INSERT INTO p2p_wallets (profile_id, asset, available, held) "
                         f"VALUES ({profile_id}, 'BTC', 1, 0)")
    bad = subprocess.run([check, own_pg.url], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"journal: wallet {profile_id}/BTC" in bad.stdout and "supply: BTC" in bad.stdout, bad.stdout
    (raw / "books.txt").write_text(bad.stdout)
    assert _report("books", out, "orders", bad.returncode, raw / "books.txt").returncode == 0
    done = _report("check", out)
    assert done.returncode == 1 and "books after orders do not add up" in done.stderr, done.stderr


def _phase_json(out, name, kind, rps):
    """A phase's numbers as report.py phase leaves them (only what table() reads)."""
    (out / f"phase-{name}.json").write_text(json.dumps({
        "name": name, "kind": kind, "requests": int(rps), "errors": 0, "seconds": 1.0, "rps": rps,
        "p50_ms": 1.0, "p90_ms": 2.0, "p99_ms": 3.0, "max_ms": 4.0, "conns": 32, "connected": 32,
        "cpu": {}, "pg_statements_per_request": 0.04}))


def test_each_round_is_judged_against_the_baselines_either_side_of_it(dirs):
    """bench/run --rounds: round 1 (ws, rest) sits between pgbench and pgbench_after, round N
    between the pgbench phase before it and pgbench_rN; the note gives every round's ratio
    and their median."""
    out, _ = dirs
    for name, rps in (("pgbench", 100.0), ("pgbench_after", 300.0), ("pgbench_r2", 100.0),
                      ("pgbench_r3", 50.0)):
        _phase_json(out, name, "pgbench", rps)
    for name, rps in (("ws", 220.0), ("ws_r2", 180.0), ("ws_r3", 60.0),
                      ("rest", 100.0), ("rest_r2", 200.0), ("rest_r3", 90.0)):
        _phase_json(out, name, "ws", rps)
    done = _report("table", out)
    assert done.returncode == 0, done.stderr
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[2]
            for line in done.stdout.splitlines() if line.startswith("| ") and " | " in line}
    # ws: 220 / mean(100, 300) = 1.10; 180 / mean(300, 100) = 0.90; 60 / mean(100, 50) = 0.80
    assert rows["WebSocket profile.get"] == "1.10"
    assert rows["WebSocket profile.get, round 2"] == "0.90"
    assert rows["WebSocket profile.get, round 3"] == "0.80"
    assert rows["REST GET /api/p2p/profile, round 3"] == "1.20"
    assert "WebSocket profile.get × pgbench, each round against its own bracket: 1.10, 0.90, 0.80; " \
           "median 0.90" in done.stdout
    assert "REST × pgbench, each round against its own bracket: 0.50, 1.00, 1.20; median 1.00" in done.stdout
