"""The gateway <-> worker link (issue 10): workers lost together, who may speak on the
worker socket (CURVE + an allow-list, loopback unless the operator says otherwise),
workers serving many gateways, and readiness that counts only workers able to serve.

Each test here reproduces a problem found on the running service and failed before its
fix (see the issue's closing note)."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time


import p2p_harness as h
from test_faults import own_pg  # noqa: F401  (a fixture: a PostgreSQL of the test's own)

PROFILE = "/api/p2p/profile"

log_events = h.log_events


def metric(stack, name, **labels):
    """One sample of the gateway's /metrics (P2P_METRICS=1), or None."""
    resp = h.http_request(stack, "GET", "/metrics", timeout=5)
    assert resp.status == 200, resp
    for line in resp.body.decode().splitlines():
        if not (line.startswith(name + "{") or line.startswith(name + " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


# ------------------------------------------------------------------ item 1

def test_two_workers_lost_together_with_40_reads_each(make_stack):
    """Both profile workers hold about 40 reads each, then both vanish (SIGKILL). The
    gateway used to purge one, retry its reads on the other, purge that one inside the
    same loop and crash on its freed entry, taking every session with it. Now every read
    gets a clear 503, the gateway lives on, and a new worker restores service."""
    s = make_stack("link-lost2", workers=2,
                   env={"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "1000",
                        "P2P_REQUEST_TIMEOUT_MS": "30000"})
    users = [h.create_user(s) for _ in range(80)]
    gateway_pid = s.gateway.pid
    for w in s.workers:
        w.signal(signal.SIGSTOP)  # requests now wait in their queues
    results = [None] * len(users)

    def read(i):
        try:
            results[i] = users[i].get(PROFILE).status
        except OSError as e:
            results[i] = repr(e)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    try:
        h.wait_until(lambda: metric(s, "p2p_requests_in_flight") == 80, 10,
                     what="80 reads in flight on the two frozen workers")
        for w in list(s.workers):
            s.remove_worker(w, kill=True)
    finally:
        for t in threads:
            t.join(20)
    assert all(not t.is_alive() for t in threads), "a read never got an answer"
    assert s.gateway.alive() and s.gateway.pid == gateway_pid, \
        f"the gateway died: {s.gateway.log_tail(40)}"
    assert results == [503] * 80, results
    assert h.http_request(s, "GET", "/p2p/health").status == 200
    s.add_worker()
    s.wait_ready()
    assert users[0].get(PROFILE).status == 200


# ------------------------------------------------------------------ item 5

def _gateway_alone(env_extra, timeout=8):
    """Start a gateway with env_extra; return (Proc, exited code or None if running)."""
    log_dir = tempfile.mkdtemp(prefix="p2p-it-link-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update({"JWT_SECRET": h.JWT_SECRET, "P2P_HTTP_PORT": str(h.free_port()), **h.SANITIZER_ENV})
    env.update(env_extra)
    proc = h.Proc("gateway-alone", [h.bin_path(h.GATEWAY_BIN)], env, log_dir)
    try:
        proc.popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    return proc, env


def test_worker_endpoint_reachable_from_other_hosts_needs_curve_or_insecure():
    """Anyone who can reach the worker socket could register as a worker and read or
    answer users' requests: the gateway refuses to bind it beyond loopback without CURVE,
    unless the operator says the network is private."""
    port = h.free_port()
    proc, _ = _gateway_alone({"P2P_WORKER_BIND": f"tcp://0.0.0.0:{port}"}, timeout=10)
    try:
        assert proc.popen.returncode == 1, f"gateway bound 0.0.0.0 without CURVE:\n{proc.log_tail(20)}"
        text = proc.log_text()
        assert "P2P_WORKER_LINK_INSECURE" in text and "P2P_WORKER_CURVE_SECRET_FILE" in text, text
    finally:
        proc.stop()
    proc, env = _gateway_alone({"P2P_WORKER_BIND": f"tcp://0.0.0.0:{port}",
                                "P2P_WORKER_LINK_INSECURE": "1"}, timeout=1)
    try:
        assert proc.alive(), proc.log_tail(20)
        started = log_events(proc, "gateway.started")
        assert started and started[0]["worker_link"] == "insecure", started
    finally:
        assert proc.stop() == 0
    assert not proc.sanitizer_reports()


def _keygen(path, *extra):
    done = subprocess.run([h.bin_path(h.ADMIN_CLI_BIN), "keygen", str(path), *extra],
                          capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done


def test_curve_worker_link_admits_only_listed_workers_as_their_kind(make_stack, tmp_path):
    """With CURVE on the worker link, a worker with an unlisted key, a worker without
    CURVE, and a listed profile key registering as admin never join; listed workers of
    the right kind serve as usual."""
    clients = tmp_path / "workers"
    clients.mkdir()
    _keygen(tmp_path / "gateway.cert")
    _keygen(tmp_path / "profile.cert", "--kind", "profile")
    _keygen(tmp_path / "admin.cert", "--kind", "admin")
    _keygen(tmp_path / "rogue.cert", "--kind", "profile")
    for name in ("profile", "admin"):
        shutil.copy(tmp_path / f"{name}.cert", clients / f"{name}.cert")
    link = {"P2P_WORKER_CURVE_SECRET_FILE": str(tmp_path / "gateway.cert_secret"),
            "P2P_WORKER_CURVE_CLIENTS_DIR": str(clients),
            "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE": str(tmp_path / "gateway.cert"),
            "P2P_WORKER_CURVE_CERT_FILE": str(tmp_path / "profile.cert"),
            "P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "200",
            "P2P_READY_KINDS": "profile,admin"}  # this stack runs no trade worker
    s = make_stack("link-curve", workers=1, admin_workers=0, trade_workers=0, env=link)

    def extra_worker(name, binary, env_changes):
        env = s.env()
        env["P2P_ADMIN_API_BIND"] = f"tcp://127.0.0.1:{h.free_port()}"
        for k, v in env_changes.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        proc = h.Proc(s._next_name(name), [h.bin_path(binary)], env, s.log_dir)
        s.retired_workers.append(proc)  # stopped and checked with the stack
        return proc

    admin = extra_worker("admin-svc", h.ADMIN_SVC_BIN,
                         {"P2P_WORKER_CURVE_CERT_FILE": str(tmp_path / "admin.cert")})
    rogue = extra_worker("rogue", h.PROFILE_SVC_BIN,
                         {"P2P_WORKER_CURVE_CERT_FILE": str(tmp_path / "rogue.cert")})
    plain = extra_worker("plain", h.PROFILE_SVC_BIN,
                         {"P2P_WORKER_CURVE_CERT_FILE": None,
                          "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE": None})
    liar = extra_worker("liar", h.ADMIN_SVC_BIN, {})  # the profile key, as an admin worker
    s.wait_ready()
    h.wait_until(lambda: log_events(s.gateway, "worker.kind_refused"), 5,
                 what="the profile key refused as an admin worker")
    time.sleep(1.0)  # five heartbeats: every process that could join has tried
    assert all(p.alive() for p in (admin, rogue, plain, liar))
    assert metric(s, "p2p_workers_live", kind="profile") == 1
    assert metric(s, "p2p_workers_live", kind="admin") == 1
    joined = log_events(s.gateway, "worker.joined")
    assert sorted(e["kind"] for e in joined) == ["admin", "profile"], joined
    user = h.create_user(s)
    assert user.get(PROFILE).status == 200
    r = h.http_request(s, "GET", f"/api/p2p/admin/profiles/{user.profile_id}",
                       token=s.admin_token())
    assert r.status == 200, r


# ------------------------------------------------------------------ item 13

def test_a_worker_serves_the_gateway_past_the_16th_endpoint(make_stack):
    """A worker used to ignore every endpoint past the 16th without a word: the gateway
    listed 20th never saw it. Every listed gateway is served now."""
    s = make_stack("link-many", workers=0, admin_workers=0)
    # gateways not up yet, 19 distinct ones: free_port draws at random, and a port drawn
    # twice (or the stack's own) makes the worker refuse the list as naming one twice
    others = []
    while len(others) < 19:
        endpoint = f"tcp://127.0.0.1:{h.free_port()}"
        if endpoint not in others and endpoint != s.worker_endpoint:
            others.append(endpoint)
    env = s.env()
    env["P2P_GATEWAY_ENDPOINTS"] = ",".join(others + [s.worker_endpoint])
    proc = h.Proc(s._next_name("profile-svc"), [h.bin_path(h.PROFILE_SVC_BIN)], env, s.log_dir)
    s.workers.append(proc)
    s.wait_served()
    started = log_events(proc, "worker.started")
    assert started and started[0]["gateway_count"] == 20, started


def test_a_bad_gateway_list_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update(h.SANITIZER_ENV)
    for endpoints, why in ((",", "no endpoint"),
                           ("tcp://127.0.0.1:5999,tcp://127.0.0.1:5999", "twice")):
        env["P2P_GATEWAY_ENDPOINTS"] = endpoints
        done = subprocess.run([h.bin_path(h.PROFILE_SVC_BIN)], env=env, capture_output=True,
                              text=True, timeout=20)
        assert done.returncode == 1, done
        assert why in done.stderr and "P2P_GATEWAY_ENDPOINTS" in done.stderr, done.stderr


# ------------------------------------------------------------------ item 14

def ready(stack):
    r = h.http_request(stack, "GET", "/p2p/ready", timeout=5)
    return r.status, r.json["data"]


def test_not_ready_while_the_database_is_down(make_stack, own_pg):
    """/p2p/ready used to say 200 while PostgreSQL was down and every request failed.
    Workers report their database in heartbeats, and readiness counts only workers that
    can serve; it comes back by itself with the database."""
    s = make_stack("link-db", workers=2, env={"DATABASE_URL": own_pg.url,
                                              "P2P_HEARTBEAT_MS": "200"})
    h.wait_until(lambda: ready(s)[1]["workers"] == {"profile": 2, "admin": 1, "trade": 1}, 5,
                 what="every worker joined")
    assert ready(s)[0] == 200
    own_pg.stop("fast")
    h.wait_until(lambda: ready(s)[0] == 503, 5, interval=0.1,
                 what="/p2p/ready 503 with the database down")
    h.wait_until(lambda: ready(s)[1]["serving"] == {"profile": 0, "admin": 0, "trade": 0}, 5,
                 what="every worker reporting its database down")
    status, data = ready(s)
    assert data["workers"] == {"profile": 2, "admin": 1, "trade": 1}, "the workers are alive, just not serving"
    assert data["ready"] is False and set(data["required"]) == {"profile", "admin", "trade"}, data
    assert all(log_events(w, "worker.db_state")[-1]["state"] == "down" for w in s.workers)
    u = h.User(s)  # requests still get a clear answer
    assert u.get(PROFILE).status == 503
    own_pg.start()
    h.wait_until(lambda: ready(s)[0] == 200, 10, interval=0.1,
                 what="/p2p/ready 200 once the database is back")
    assert u.post("/api/p2p/profile/create", {"has_consent": True}).status == 201


def test_dispatch_prefers_workers_whose_database_is_up(make_stack, own_pg):
    """One profile worker points at a database that is down, the other at a live one:
    requests go to the one that can serve, and the service is ready."""
    s = make_stack("link-prefer", workers=1, env={"P2P_HEARTBEAT_MS": "200"})
    env = s.env()
    env["DATABASE_URL"] = f"postgresql://p2p:p2p@127.0.0.1:{h.free_port()}/none"
    broken = h.Proc(s._next_name("profile-svc"), [h.bin_path(h.PROFILE_SVC_BIN)], env, s.log_dir)
    s.workers.append(broken)
    h.wait_until(lambda: ready(s)[1]["workers"]["profile"] == 2, 5, what="both workers live")
    # the broken one has said, in a heartbeat, that its database is down
    h.wait_until(lambda: ready(s)[1]["serving"]["profile"] == 1, 5, what="one serving profile worker")
    users = [h.User(s) for _ in range(40)]
    statuses = [None] * len(users)

    def check(i):  # concurrent, so that a least-loaded choice would spread them
        statuses[i] = users[i].get("/api/p2p/profile/check").status
    threads = [threading.Thread(target=check, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert statuses == [200] * len(users), statuses  # all answered by the worker with a database
    status, data = ready(s)
    assert status == 200 and data["serving"]["profile"] == 1, data


def test_ready_kinds_are_configurable(make_stack):
    """An operator may say that an admin-svc outage must not take the gateway out of the
    balancer: P2P_READY_KINDS=profile. The default still needs every kind."""
    s = make_stack("link-kinds", workers=1, admin_workers=0, env={"P2P_READY_KINDS": "profile"})
    status, data = ready(s)
    assert status == 200 and data["required"] == ["profile"], data
    d = make_stack("link-kinds-default", workers=1, admin_workers=0)
    status, data = ready(d)
    assert status == 503 and set(data["required"]) == {"profile", "admin", "trade"}, data


def test_unknown_ready_kind_refuses_to_start():
    proc, _ = _gateway_alone({"P2P_READY_KINDS": "profile,billing"}, timeout=10)
    try:
        assert proc.popen.returncode == 1, proc.log_tail(20)
        assert "P2P_READY_KINDS" in proc.log_text() and "billing" in proc.log_text()
    finally:
        proc.stop()
