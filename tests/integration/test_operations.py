"""Operating the processes (issue 10): every binary's command line (getopt_long, --help
exits 0 without starting anything, --version from the one CMake project version),
SIGHUP logged and ignored, the version in the start log lines and on /metrics, and
scripts/run supervising what it started.

Each test reproduces a problem found on the running service and failed before its fix."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

import p2p_harness as h

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARIES = (h.GATEWAY_BIN, h.PROFILE_SVC_BIN, h.ADMIN_SVC_BIN, h.ADMIN_CLI_BIN, h.MIGRATE_BIN)


def project_version():
    """VERSION of project() in the top-level CMakeLists.txt: the one version."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*\w+\s+VERSION\s+([0-9][0-9.]*)", f.read())
    assert m, "CMakeLists.txt has no project(... VERSION x.y.z)"
    return m.group(1)


def log_events(proc, event):
    found = []
    for line in proc.log_text().splitlines():
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("event") == event:
                found.append(obj)
    return found


def run_bin(name, *args, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update(h.SANITIZER_ENV)
    # were --help to start a service, it must not find anything to serve
    env["P2P_GATEWAY_ENDPOINTS"] = f"tcp://127.0.0.1:{h.free_port()}"
    env["P2P_WORKER_BIND"] = f"tcp://127.0.0.1:{h.free_port()}"
    env["P2P_HTTP_PORT"] = str(h.free_port())
    env["P2P_ADMIN_API_BIND"] = f"tcp://127.0.0.1:{h.free_port()}"
    env["JWT_SECRET"] = h.JWT_SECRET
    try:
        return subprocess.run([h.bin_path(name), *args], env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{name} {' '.join(args)} was still running after {timeout}s "
                             f"(it started the service?): {e.stderr!r}") from None


# ------------------------------------------------------------------ item 16

@pytest.mark.parametrize("name", BINARIES)
def test_help_exits_0_without_starting_anything(name):
    for flag in ("--help", "-h"):
        done = run_bin(name, flag, timeout=5)
        assert done.returncode == 0, done
        assert done.stdout.startswith("usage:"), done.stdout
        assert "--version" in done.stdout, done.stdout
        assert ".started" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", BINARIES)
def test_version_is_the_cmake_project_version(name):
    for flag in ("--version", "-V"):
        done = run_bin(name, flag, timeout=5)
        assert done.returncode == 0, done
        assert done.stdout == f"{name} {project_version()}\n", done.stdout


@pytest.mark.parametrize("name", BINARIES)
def test_unknown_options_are_usage_errors(name):
    done = run_bin(name, "--no-such-option", timeout=5)
    assert done.returncode == 2, done
    assert "--no-such-option" in done.stderr, done.stderr


def test_sighup_is_logged_and_ignored(make_stack):
    """SIGHUP used to kill the gateway without a log line (and every session with it)."""
    s = make_stack("ops-hup", workers=1)
    user = h.create_user(s)
    procs = [s.gateway, s.workers[0], s.admin_workers[0]]
    for proc in procs:
        proc.signal(signal.SIGHUP)
    for proc in procs:
        h.wait_until(lambda: log_events(proc, "signal.hup"), 5, what=f"{proc.name} logged SIGHUP")
        assert proc.alive(), proc.log_tail(20)
    assert user.get("/api/p2p/profile").status == 200
    s.wait_ready()


def test_version_in_start_lines_and_build_info_metric(make_stack):
    version = project_version()
    s = make_stack("ops-version", workers=1, env={"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "200"})
    assert log_events(s.gateway, "gateway.started")[0]["version"] == version
    for proc in s.workers + s.admin_workers:
        h.wait_until(lambda: log_events(proc, "worker.started"), 5, what="worker.started")
        assert log_events(proc, "worker.started")[0]["version"] == version, proc.name

    def metrics():
        r = h.http_request(s, "GET", "/metrics")
        assert r.status == 200, r
        return r.body.decode()
    text = h.wait_until(lambda: (lambda t: t if "p2p_worker_build_info{" in t else None)(metrics()), 5,
                        what="workers' versions on /metrics")
    assert f'p2p_build_info{{version="{version}"}} 1' in text.splitlines(), text
    assert "# TYPE p2p_build_info gauge" in text
    workers = [line for line in text.splitlines() if line.startswith("p2p_worker_build_info{")]
    assert len(workers) == 2 and all(f'version="{version}"}} 1' in w for w in workers), workers
