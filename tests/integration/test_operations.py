"""Operating the processes (issue 10): every binary's command line (getopt_long, --help
exits 0 without starting anything, --version from the one CMake project version),
SIGHUP logged and ignored, the version in the start log lines and on /metrics, and
scripts/run supervising what it started.

Each test reproduces a problem found on the running service and failed before its fix."""

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

log_events = h.log_events


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
    for proc in s.workers + s.admin_workers + s.trade_workers:
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
    assert len(workers) == len(s.workers + s.admin_workers + s.trade_workers) and all(f'version="{version}"}} 1' in w for w in workers), workers


# ------------------------------------------------------------------ item 17: scripts/run

class RunScript:
    """scripts/run on ports of its own, with the test's binaries and database."""

    def __init__(self, tmp_path):
        self.port = h.free_port()
        self.log_path = tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
        env.update(h.SANITIZER_ENV)
        env.update({
            "P2P_BIN_DIR": os.environ["P2P_BIN_DIR"],
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "JWT_SECRET": h.JWT_SECRET,
            "P2P_HTTP_PORT": str(self.port),
            "P2P_WORKER_BIND": f"tcp://127.0.0.1:{h.free_port()}",
            "P2P_ADMIN_API_BIND": f"tcp://127.0.0.1:{h.free_port()}",
            "P2P_HEARTBEAT_MS": "250",
            "P2P_PROFILE_WORKERS": "2",
            "P2P_ADMIN_WORKERS": "1",
            "P2P_RATE_LIMIT_PER_MIN": "0",
        })
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen([os.path.join(ROOT, "scripts", "run")], cwd=ROOT, env=env,
                                      stdin=subprocess.DEVNULL, stdout=self.log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.base_url = f"http://127.0.0.1:{self.port}"

    # the harness's helpers take anything with a .port and .token()
    def token(self, user_id, **kw):
        return h.make_token(user_id, **kw)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def started(self):
        """{name: [pid, ...]} from the supervisor's "started NAME (pid N)" lines, in order."""
        found = {}
        for m in re.finditer(r"\[p2p\] started (\S+) \(pid (\d+)\)", self.text()):
            found.setdefault(m.group(1), []).append(int(m.group(2)))
        return found

    def status(self, path):
        try:
            return h.http_request(self, "GET", path, timeout=3).status
        except OSError:
            return None

    def stop(self):
        """SIGTERM (it stops what it started), else SIGKILL it and everything it started
        (the services run in sessions of their own)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        for pids in self.started().values():
            for pid in pids:
                if pid_alive(pid) and comm(pid).startswith("p2p-"):
                    os.kill(pid, signal.SIGKILL)
        self.log.close()


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.fixture
def run_script(tmp_path):
    r = RunScript(tmp_path)
    yield r
    r.stop()


def test_run_restarts_what_dies_and_stops_everything_on_sigterm(run_script):
    """scripts/run used to take the whole stack down when one process exited. Now a
    killed worker, and a killed gateway, are started again (with a log line) while the
    service keeps answering, and SIGTERM stops every process it started."""
    r = run_script
    h.wait_until(lambda: r.status("/p2p/ready") == 200, 120, interval=0.25,
                 what=f"scripts/run serving on {r.port}; log:\n{r.text()[-3000:]}")
    first = r.started()
    assert set(first) == {"p2p-gateway", "p2p-profile-svc#1", "p2p-profile-svc#2",
                          "p2p-admin-svc#1", "p2p-trade-svc#1", "p2p-trade-svc#2"}, first
    for name, pids in first.items():  # the pid logged is the service itself
        assert comm(pids[0]).startswith("p2p-"), name

    user = h.User(r)
    assert user.post("/api/p2p/profile/create", {"has_consent": True}).status == 201

    victim = first["p2p-profile-svc#1"][0]
    os.kill(victim, signal.SIGKILL)
    h.wait_until(lambda: len(r.started().get("p2p-profile-svc#1", [])) == 2, 10,
                 what="the killed worker started again")
    assert re.search(rf"p2p-profile-svc#1 \(pid {victim}\) exited with status \d+; restarting in",
                     r.text()), r.text()[-2000:]
    assert user.get("/api/p2p/profile").status == 200, "the other worker kept serving"
    assert all(pid_alive(p[0]) for n, p in first.items() if n != "p2p-profile-svc#1"), \
        "nothing else went down with it"

    gateway = first["p2p-gateway"][0]
    os.kill(gateway, signal.SIGKILL)
    h.wait_until(lambda: len(r.started().get("p2p-gateway", [])) == 2, 10,
                 what="the killed gateway started again")
    h.wait_until(lambda: r.status("/p2p/ready") == 200, 15, interval=0.25,
                 what="the workers found the new gateway")
    assert user.get("/api/p2p/profile").status == 200

    everything = [pid for pids in r.started().values() for pid in pids]
    os.kill(r.popen.pid, signal.SIGTERM)
    r.popen.wait(30)
    h.wait_until(lambda: not [p for p in everything if pid_alive(p)], 5,
                 what="every process scripts/run started gone")
    assert "all services stopped" in r.text()
    reports = [line for line in r.text().splitlines()
               if not line.lstrip().startswith("{") and any(m in line for m in h.SANITIZER_MARKERS)]
    assert not reports, reports
