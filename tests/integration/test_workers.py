"""The worker pool as a client sees it: readiness, no workers, stuck workers, dead
workers, workers joining under load, start order, gateway restart, clean shutdown."""

import asyncio
import signal
import threading
import time

import p2p_harness as h

CHECK = "/api/p2p/profile/check"
PROFILE = "/api/p2p/profile"


def fresh_check(stack):
    """One profile request as a fresh user (needs a worker, never rate-limited)."""
    return h.http_request(stack, "GET", CHECK, token=stack.token(h.new_user_id()))


class Hammer(threading.Thread):
    """Sends GET /api/p2p/profile as one user in a loop, recording (t, status, elapsed)."""

    def __init__(self, user):
        super().__init__(daemon=True)
        self.user = user
        self.results = []
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            t = time.monotonic()
            try:
                r = self.user.get(PROFILE)
                self.results.append((t, r.status, r.elapsed))
            except OSError as e:
                self.results.append((t, repr(e), time.monotonic() - t))
                time.sleep(0.05)

    def halt(self):
        self.stop_flag.set()
        self.join(timeout=15)
        assert not self.is_alive(), "hammer thread did not stop"


# ------------------------------------------------------------------ no workers

def test_zero_workers_not_ready_and_fast_503(make_stack):
    s = make_stack("noworkers", workers=0, env={"P2P_REQUEST_TIMEOUT_MS": "5000"})
    r = h.http_request(s, "GET", "/p2p/ready")
    assert r.status == 503, r
    health = h.http_request(s, "GET", "/p2p/health")
    assert health.status == 200, "health is about the gateway, not its workers"
    u = h.User(s)
    for method, path, body in [("GET", CHECK, h._NO_BODY), ("GET", PROFILE, h._NO_BODY),
                               ("PUT", PROFILE, {"auto_reply_message": "x"}),
                               ("POST", "/api/p2p/profile/create", {"has_consent": True})]:
        r = h.http_request(s, method, path, token=u.token, json_body=body)
        h.assert_error(r, 503)
        assert r.elapsed < 1.5, f"{method} {path}: 503 took {r.elapsed:.2f}s"
    assert h.db_profile(u.user_id) is None, "a 503 request was applied"

    # a WebSocket cannot be checked either: told so, and closed "try again later" (1013)
    async def connect():
        ws = await h.ws_open(s, u.token)
        msg = await ws.recv(timeout=10)
        return msg, await ws.expect_closed(timeout=5)
    msg, code = h.run(connect(), timeout=30)
    assert msg.get("type") == "connection_error" and msg.get("error") == "SERVICE_UNAVAILABLE", msg
    assert code == 1013, f"closed with {code}, not 1013 (try again later)"


def test_worker_joining_later_makes_service_ready(make_stack):
    s = make_stack("latejoin", workers=0)
    assert h.http_request(s, "GET", "/p2p/ready").status == 503
    s.add_worker()
    s.wait_ready(timeout=10)
    assert fresh_check(s).status == 200


def test_workers_started_before_gateway(make_stack):
    s = make_stack("workersfirst", workers=2, workers_first=True)
    u = h.create_user(s)
    assert u.get(PROFILE).status == 200


# ------------------------------------------------------------------ stuck worker

def test_stuck_worker_rest_gets_clear_error(make_stack):
    s = make_stack("stuck-rest", workers=1, env={"P2P_REQUEST_TIMEOUT_MS": "1500"})
    u = h.create_user(s)
    worker = s.workers[0]
    worker.signal(signal.SIGSTOP)
    try:
        r = u.get(PROFILE)
        assert r.status in (503, 504), r
        body = h.assert_error(r, r.status)
        assert r.elapsed < 2.5, f"answered after {r.elapsed:.2f}s"
        if r.status == 504:
            assert "REQUEST_TIMEOUT" in (body["error"], body.get("code")), body
    finally:
        worker.signal(signal.SIGCONT)
    # The worker comes back and the service recovers without any restart.
    h.wait_until(lambda: u.get(PROFILE).status == 200, 10, interval=0.3,
                 what="service recovered after SIGCONT")
    assert u.get(PROFILE).json["data"]["profile"]["user_id"] == u.user_id


def test_stuck_worker_ws_gets_clear_error_and_late_reply_is_not_misrouted(make_stack):
    s = make_stack("stuck-ws", workers=1, env={"P2P_REQUEST_TIMEOUT_MS": "1500"})
    u = h.create_user(s)
    worker = s.workers[0]

    async def go():
        sess = await h.ws_session(s, u.user_id)
        try:
            worker.signal(signal.SIGSTOP)
            t0 = time.monotonic()
            try:
                stuck = await sess.call("profile.get", timeout=2.5)
            finally:
                elapsed = time.monotonic() - t0
                worker.signal(signal.SIGCONT)
            # After recovery, each new request gets its own answer, never the stale one.
            deadline = time.monotonic() + 10
            while True:
                stats = await sess.call("profile.stats", timeout=5)
                if stats.get("success") or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.3)
            again = await sess.call("profile.get", timeout=5)
            return stuck, elapsed, stats, again
        finally:
            worker.signal(signal.SIGCONT)
            await sess.close()
    stuck, elapsed, stats, again = h.run(go(), timeout=40)
    assert stuck["type"] == "profile.get", stuck
    assert stuck["success"] is False, stuck
    assert stuck["error"] in ("REQUEST_TIMEOUT", "SERVICE_UNAVAILABLE"), stuck
    assert elapsed < 2.5, elapsed
    assert stats["type"] == "profile.stats" and stats["success"] is True, stats
    assert "completion_rate" in stats["data"], stats
    assert again["success"] is True and again["data"]["id"] == u.profile_id, again


def test_stuck_worker_is_bypassed_when_another_is_live(make_stack):
    s = make_stack("bypass", workers=2, env={"P2P_REQUEST_TIMEOUT_MS": "1500",
                                             "P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    stuck = s.workers[0]
    expired = len(h.log_events(s.gateway, "worker.expired"))
    stuck.signal(signal.SIGSTOP)
    try:
        # > 3 missed beats: the gateway has purged the stuck worker
        h.wait_until(lambda: len(h.log_events(s.gateway, "worker.expired")) > expired, 10,
                     what="the stuck worker's worker.expired")
        for _ in range(20):
            r = u.get(PROFILE)
            assert r.status == 200, r
            assert r.elapsed < 1.0, r.elapsed
    finally:
        stuck.signal(signal.SIGCONT)


# ------------------------------------------------------------------ dead worker

def test_dead_worker_fails_inflight_with_503_and_is_replaced(make_stack):
    s = make_stack("dead", workers=1, env={"P2P_REQUEST_TIMEOUT_MS": "10000",
                                           "P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    worker = s.workers[0]
    worker.signal(signal.SIGSTOP)
    result = {}

    def request():
        result["r"] = u.get(PROFILE)
    t = threading.Thread(target=request, daemon=True)
    t.start()
    time.sleep(0.3)
    s.remove_worker(worker, kill=True)
    t.join(timeout=12)
    assert not t.is_alive(), "request still hanging"
    r = result["r"]
    h.assert_error(r, 503)
    assert r.elapsed < 4, f"in-flight request failed only after {r.elapsed:.2f}s"
    # No live worker now: not ready, and fast 503s.
    h.wait_until(lambda: h.http_request(s, "GET", "/p2p/ready").status == 503, 3,
                 what="/p2p/ready turning 503 after the only worker died")
    r = u.get(PROFILE)
    h.assert_error(r, 503)
    assert r.elapsed < 1.5, r.elapsed
    # A replacement worker restores service; the gateway was never restarted.
    gateway_pid = s.gateway.pid
    s.add_worker()
    s.wait_ready(timeout=10)
    assert u.get(PROFILE).status == 200
    assert s.gateway.alive() and s.gateway.pid == gateway_pid


def test_new_worker_takes_load_while_busy(make_stack):
    s = make_stack("join-busy", workers=1, env={"P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    gateway_pid = s.gateway.pid
    first = s.workers[0]
    hammer = Hammer(u)
    hammer.start()
    try:
        time.sleep(1.0)
        joined = len(h.log_events(s.gateway, "worker.joined", kind="profile"))
        second = s.add_worker()
        # the new worker registers on its first heartbeat; then it takes a share of the load
        h.wait_until(lambda: len(h.log_events(s.gateway, "worker.joined", kind="profile")) > joined, 10,
                     what="the new worker's worker.joined")
        time.sleep(1.0)
        t_kill = time.monotonic()
        s.remove_worker(first, kill=True)
        time.sleep(2.5)
        assert second.alive(), second.log_tail()
    finally:
        hammer.halt()
    before = [x for x in hammer.results if x[0] < t_kill]
    after_purge = [x for x in hammer.results if x[0] > t_kill + 1.5]
    assert len(before) > 10, f"too few requests before the kill: {len(before)}"
    bad_before = [x for x in before if x[1] != 200]
    assert not bad_before, f"requests failed while a worker joined: {bad_before[:5]}"
    assert after_purge, "no requests after the first worker died"
    bad_after = [x for x in after_purge if x[1] != 200]
    assert not bad_after, f"service broken after the first worker died: {bad_after[:5]}"
    # every request here is a read (profile.get): one caught by the dead worker is resent to
    # the live one when the dead one is purged (DESIGN.md), so none fails, not even a 503
    window = [x for x in hammer.results if t_kill <= x[0] <= t_kill + 1.5]
    assert all(x[1] == 200 for x in window), [x for x in window if x[1] != 200][:5]
    for _ in range(10):
        assert u.get(PROFILE).status == 200
    assert s.gateway.alive() and s.gateway.pid == gateway_pid


def test_clean_worker_shutdown_loses_no_requests_silently(make_stack):
    s = make_stack("clean-stop", workers=2, env={"P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    hammer = Hammer(u)
    hammer.start()
    try:
        time.sleep(1.0)
        leaving = s.workers[0]
        t_stop = time.monotonic()
        s.remove_worker(leaving)  # SIGTERM
        code = leaving.popen.returncode
        time.sleep(1.5)
    finally:
        hammer.halt()
    assert code == 0, f"worker exited with {code} on SIGTERM\n{leaving.log_tail()}"
    failures = [x for x in hammer.results if x[1] != 200]
    # every request is a read: one the leaving worker held is answered by it or resent to
    # the other (DESIGN.md), so none fails
    assert not failures, failures[:5]
    assert [x for x in hammer.results if x[0] > t_stop], "no requests after the stop"
    assert u.get(PROFILE).status == 200


# ------------------------------------------------------------------ gateway restart

def test_gateway_restart_relearns_workers(make_stack):
    s = make_stack("gw-restart", workers=2, env={"P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    s.stop_gateway()
    assert all(w.alive() for w in s.workers), "workers died with the gateway"
    s.start_gateway()
    s.wait_ready(timeout=10)
    r = u.get(PROFILE)
    assert r.status == 200, r

    async def go():
        sess = await h.ws_session(s, u.user_id)
        try:
            return await sess.call("profile.get")
        finally:
            await sess.close()
    assert h.run(go(), timeout=20)["success"] is True


def test_processes_exit_cleanly_on_sigterm(make_stack):
    s = make_stack("sigterm", workers=1)
    u = h.create_user(s)

    async def go():
        return await h.ws_session(s, u.user_id)
    # An open WebSocket session must not keep the gateway from shutting down.
    loop = asyncio.new_event_loop()
    try:
        sess = loop.run_until_complete(asyncio.wait_for(go(), 15))
        t0 = time.monotonic()
        gw_code = s.gateway.stop(timeout=5)
        gw_time = time.monotonic() - t0
        loop.run_until_complete(sess.close())
    finally:
        loop.close()
    worker = s.workers[0]
    w_code = worker.stop(timeout=5)
    assert gw_code == 0, f"gateway exited {gw_code}\n{s.log_tail()}"
    assert gw_time < 5, gw_time
    assert w_code == 0, f"profile-svc exited {w_code}\n{s.log_tail()}"
