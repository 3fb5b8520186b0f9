"""Fault injection (issue 4): what clients see, and what the database holds, when a
worker is SIGKILLed under load, every worker is gone, the gateway crashes and comes back,
PostgreSQL stops and starts, processes get SIGTERM, a client never reads, and slowloris
clients trickle bytes.

Cases already covered by test_workers.py (zero workers from the start, a stuck worker, a
lone dead worker, a worker joining under load, a clean gateway restart, exit 0 on
SIGTERM) are not repeated here; these tests add busy clients, writes and their database
state, WebSocket sessions, and the timing bounds of the issue.

Writes are the probe of choice: a write is never retried on another worker, so a write
caught on a dead worker must come back as an error, and the database must then hold
exactly the acknowledged values (503 means "not applied", CONTRACT.md).
"""

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

import p2p_harness as h

PROFILE = "/api/p2p/profile"
CREATE = "/api/p2p/profile/create"
CLEAR_ERRORS = (503, 504)
WS_CLEAR_ERRORS = ("SERVICE_UNAVAILABLE", "REQUEST_TIMEOUT", "DATABASE_UNAVAILABLE")


# ------------------------------------------------------------------ helpers

log_events = h.log_events


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def assert_clear_error(resp, what=""):
    """A failed request must say so plainly: 503/504 with the error envelope."""
    assert resp.status in CLEAR_ERRORS, f"{what}: expected 503/504, got {resp!r}"
    h.assert_error(resp, resp.status)


class Writer(threading.Thread):
    """One user PUTting auto_reply_message = "<tag>-<n>" in a loop, one request at a time.

    Records (t_start, t_end, status or exception text, value, response) per request and
    every reply that is not the answer to the request it came back on."""

    def __init__(self, user, tag):
        super().__init__(daemon=True)
        self.user = user
        self.tag = tag
        self.results = []
        self.wrong = []
        self.stop_flag = threading.Event()
        self.error = None

    def run(self):
        try:
            self._loop()
        except BaseException as e:  # reported by halt(): a dead writer proves nothing
            self.error = e

    def _loop(self):
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            value = f"{self.tag}-{n}"
            t0 = time.monotonic()
            try:
                r = self.user.put(PROFILE, {"auto_reply_message": value})
            except (OSError, http.client.HTTPException) as e:
                # the connection broke (e.g. the gateway died mid-reply): outcome unknown
                self.results.append((t0, time.monotonic(), repr(e), value, None))
                time.sleep(0.05)
                continue
            self.results.append((t0, time.monotonic(), r.status, value, r))
            if r.status == 200:
                try:
                    p = r.json["data"]["profile"]
                    if p["id"] != self.user.profile_id or p["auto_reply_message"] != value:
                        self.wrong.append((value, r))
                except (AssertionError, KeyError, TypeError):
                    self.wrong.append((value, r))

    def halt(self):
        self.stop_flag.set()
        self.join(timeout=20)
        assert not self.is_alive(), f"writer {self.tag} still blocked in a request"
        assert self.error is None, f"writer {self.tag} failed: {self.error!r}"

    def acked(self):
        return [x for x in self.results if x[2] == 200]

    def allowed_db_values(self):
        """What the row may hold: the last acknowledged value, or the value of a later
        write whose outcome the client could not know (a timeout or a broken connection);
        never the value of a write answered 503 (not applied)."""
        acked = self.acked()
        allowed = {acked[-1][3]} if acked else set()
        last_ack_t = acked[-1][0] if acked else -1
        for t0, _, status, value, _ in self.results:
            if t0 > last_ack_t and status not in (200, 503) and not (
                    isinstance(status, int) and 400 <= status < 500):
                allowed.add(value)
        return allowed


def start_writers(stack, n, prefix):
    writers = []
    for i in range(n):
        u = h.create_user(stack)
        writers.append(Writer(u, f"{prefix}{i}"))
    for w in writers:
        w.start()
    return writers


def halt_all(threads):
    for t in threads:
        t.halt()


def check_db_matches_writers(writers, url=None):
    for w in writers:
        row = db_profile(w.user.user_id, url)
        assert row is not None, f"profile of {w.tag} vanished"
        allowed = w.allowed_db_values()
        assert allowed, f"{w.tag}: not a single write acknowledged: {w.results[:5]}"
        assert row["auto_reply_message"] in allowed, (
            f"{w.tag}: database holds {row['auto_reply_message']!r}, but the last "
            f"acknowledged write was {w.acked()[-1][3]!r} (allowed: {sorted(allowed)}); "
            f"last results: {[(round(a, 2), s, v) for a, _, s, v, _ in w.results[-6:]]}")


def psql_url(url, sql, timeout=15):
    done = subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t",
                           "-c", sql], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise h.HarnessError(f"psql failed: {done.stderr.strip()}\nSQL: {sql}")
    return done.stdout


def db_profile(user_id, url=None):
    if url is None:
        return h.db_profile(user_id)
    out = psql_url(url, "SELECT row_to_json(p) FROM p2p_profiles p "
                        f"WHERE user_id = {h.sql_literal(user_id)}").strip()
    return json.loads(out) if out else None


class WsUpdater:
    """One WebSocket session sending profile.update with a fresh request_id in a loop,
    in its own thread and event loop. Records (t0, t1, value, reply or exception)."""

    def __init__(self, stack, user, tag, call_timeout=15):
        self.stack = stack
        self.user = user
        self.tag = tag
        self.call_timeout = call_timeout
        self.results = []
        self.unmatched = []
        self.error = None
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def _run(self):
        async def go():
            sess = await h.ws_session(self.stack, self.user.user_id)
            try:
                n = 0
                while not self.stop_flag.is_set():
                    n += 1
                    value = f"{self.tag}-{n}"
                    t0 = time.monotonic()
                    reply = await sess.call("profile.update", {"auto_reply_message": value},
                                            timeout=self.call_timeout)
                    self.results.append((t0, time.monotonic(), value, reply))
            finally:
                self.unmatched = list(sess.unmatched)
                await sess.close()
        try:
            asyncio.run(go())
        except BaseException as e:  # reported by halt()
            self.error = e

    def halt(self):
        self.stop_flag.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), f"WebSocket client {self.tag} still blocked"
        assert self.error is None, f"WebSocket client {self.tag} failed: {self.error!r}"

    def acked(self):
        return [x for x in self.results if x[3].get("success") is True]

    def check_replies(self):
        """Every reply answers its own request: right type, right data, or a clear error."""
        assert not self.unmatched, f"{self.tag}: replies to no request: {self.unmatched[:3]}"
        for _, _, value, reply in self.results:
            assert reply.get("type") == "profile.update", reply
            if reply.get("success") is True:
                assert reply["data"]["auto_reply_message"] == value, (value, reply)
                assert reply["data"]["id"] == self.user.profile_id, reply
            else:
                assert reply.get("error") in WS_CLEAR_ERRORS, reply

    def allowed_db_values(self):
        acked = self.acked()
        allowed = {acked[-1][2]} if acked else set()
        last = acked[-1][0] if acked else -1
        for t0, _, value, reply in self.results:
            if t0 > last and reply.get("error") == "REQUEST_TIMEOUT":
                allowed.add(value)
        return allowed


# ------------------------------------------------------------------ SIGKILL a busy worker

def test_sigkill_worker_while_busy(make_stack):
    """Two workers, REST and WebSocket writers busy. One worker is frozen (so requests
    pile up on it) and then SIGKILLed: each request caught on it gets a clear error within
    about three seconds (heartbeats), none hangs or gets another's reply, new requests go
    to the live worker, a restarted worker rejoins, and the database holds every
    acknowledged write and no write answered 503."""
    timeout_ms = 8000
    s = make_stack("f-kill", workers=2, env={"P2P_REQUEST_TIMEOUT_MS": str(timeout_ms),
                                             "P2P_HEARTBEAT_MS": "1000"})
    gateway_pid = s.gateway.pid
    writers = start_writers(s, 6, "k")
    ws_users = [h.create_user(s) for _ in range(2)]
    ws_clients = [WsUpdater(s, u, f"kw{i}") for i, u in enumerate(ws_users)]
    for c in ws_clients:
        c.start()
    victim, survivor = s.workers[0], s.workers[1]
    try:
        time.sleep(1.5)
        victim.signal(signal.SIGSTOP)
        time.sleep(0.6)  # requests routed to it now wait in its queue
        t_kill = time.monotonic()
        s.remove_worker(victim, kill=True)
        time.sleep(5.0)
        joined_before = len(log_events(s.gateway, "worker.joined"))
        replacement = s.add_worker()
        h.wait_until(lambda: len(log_events(s.gateway, "worker.joined")) > joined_before, 10,
                     what="the restarted worker joined the gateway")
        t_rejoined = time.monotonic()
        time.sleep(1.5)
    finally:
        halt_all(writers)
        for c in ws_clients:
            c.halt()

    all_rest = [x for w in writers for x in w.results]
    assert not [w.wrong for w in writers if w.wrong], \
        f"replies that answer another request: {[w.wrong for w in writers if w.wrong]}"
    # No request outlives its deadline (plus scheduling slack).
    slow = [(w.tag, round(t1 - t0, 2), st) for w in writers for t0, t1, st, _, _ in w.results
            if t1 - t0 > timeout_ms / 1000 + 1.5]
    assert not slow, f"requests hung past their deadline: {slow}"
    # Anything that failed, failed plainly.
    for t0, t1, status, value, r in all_rest:
        if status != 200:
            assert isinstance(status, int), f"request {value} broke the connection: {status}"
            assert_clear_error(r, value)
    # The requests caught on the dead worker: errors, within ~3 heartbeats of the kill.
    caught = [x for x in all_rest if x[0] < t_kill < x[1] and x[2] != 200]
    assert caught, ("no request was in flight on the frozen worker when it was killed; "
                    f"results around the kill: {[(round(a - t_kill, 2), round(b - t_kill, 2), st) for a, b, st, _, _ in all_rest if abs(a - t_kill) < 1.5]}")
    late = [(round(t1 - t_kill, 2), st) for _, t1, st, _, _ in caught if t1 - t_kill > 4.5]
    assert not late, f"requests on the dead worker failed only after: {late} s (heartbeat ~3 s)"
    # New requests go to the live worker once the death is noticed.
    after = [x for x in all_rest if x[0] > t_kill + 4.0]
    assert after, "no requests after the kill"
    bad_after = [(round(t0 - t_kill, 2), st) for t0, _, st, _, _ in after if st != 200]
    assert not bad_after, f"requests failed after the dead worker was purged: {bad_after[:10]}"
    # WebSocket clients: every reply answers its own request, errors are typed.
    for c in ws_clients:
        c.check_replies()
        late_ws = [round(t1 - t0, 2) for t0, t1, _, _ in c.results if t1 - t0 > timeout_ms / 1000 + 1.5]
        assert not late_ws, f"{c.tag}: WebSocket replies after {late_ws} s"
        assert [x for x in c.results if x[0] > t_kill + 4.0 and x[3].get("success")], \
            f"{c.tag}: no successful update after the kill"
    # The database: every acknowledged write, no 503 write.
    check_db_matches_writers(writers)
    for c in ws_clients:
        row = h.db_profile(c.user.user_id)
        assert row["auto_reply_message"] in c.allowed_db_values(), (
            c.tag, row["auto_reply_message"], c.acked()[-1][2] if c.acked() else None)
    # The restarted worker serves on its own (the survivor leaves cleanly); the gateway
    # was never restarted.
    assert t_rejoined - t_kill < 20
    s.remove_worker(survivor)
    u = writers[0].user
    for i in range(5):
        r = u.put(PROFILE, {"auto_reply_message": f"after-{i}"})
        assert r.status == 200, f"the restarted worker does not serve: {r!r}"
    assert h.db_profile(u.user_id)["auto_reply_message"] == "after-4"
    assert replacement.alive() and s.gateway.alive() and s.gateway.pid == gateway_pid


# ------------------------------------------------------------------ every worker gone

def test_all_workers_gone_503_not_ready_rest_keeps_working(make_stack):
    """Both workers SIGKILLed: profile requests answer 503 (REST) / a typed error (open
    WebSocket) promptly, /p2p/ready is 503, /p2p/health 200, the other worker kinds (trade-svc
    answering a wallet) and the gateway's own answers (malformed frames) still work, and a new worker restores service on
    the same session."""
    s = make_stack("f-none", workers=2, env={"P2P_REQUEST_TIMEOUT_MS": "8000",
                                             "P2P_HEARTBEAT_MS": "1000"})
    u = h.create_user(s)
    before = h.db_snapshot(u.user_id)

    async def go():
        sess = await h.ws_session(s, u.user_id)
        try:
            assert (await sess.call("profile.get"))["success"] is True
            t_kill = time.monotonic()
            for w in list(s.workers):
                s.remove_worker(w, kill=True)
            # Heartbeats notice within ~3 beats.
            while h.http_request(s, "GET", "/p2p/ready").status != 503:
                assert time.monotonic() - t_kill < 4.5, "/p2p/ready still 200 after 4.5 s"
                await asyncio.sleep(0.1)
            t_noticed = time.monotonic() - t_kill
            health = h.http_request(s, "GET", "/p2p/health")
            rest = []
            for method, path, body in [("GET", PROFILE, h._NO_BODY),
                                       ("PUT", PROFILE, {"auto_reply_message": "lost"}),
                                       ("GET", "/api/p2p/profile/check", h._NO_BODY)]:
                rest.append((method, path, h.http_request(s, method, path, token=u.token,
                                                          json_body=body)))
            t0 = time.monotonic()
            ws_get = await sess.call("profile.get", timeout=3)
            ws_upd = await sess.call("profile.update", {"auto_reply_message": "lost"},
                                     timeout=3)
            ws_elapsed = time.monotonic() - t0
            other_kind = await sess.call("wallet.balance")
            await sess.send_text("not json")
            malformed = await sess.recv()
            s.add_worker()
            s.wait_ready(timeout=10)
            again = await sess.call("profile.get")
            return (t_noticed, health, rest, ws_get, ws_upd, ws_elapsed, other_kind,
                    malformed, again)
        finally:
            await sess.close()
    (t_noticed, health, rest, ws_get, ws_upd, ws_elapsed, other_kind, malformed,
     again) = h.run(go(), timeout=60)
    assert health.status == 200 and health.body.strip() == b"P2P service is running", health
    for method, path, r in rest:
        h.assert_error(r, 503)
        assert r.elapsed < 1.0, f"{method} {path}: 503 after {r.elapsed:.2f}s"
    for reply in (ws_get, ws_upd):
        assert reply["success"] is False and reply["error"] == "SERVICE_UNAVAILABLE", reply
    assert ws_elapsed < 2.0, f"WebSocket errors took {ws_elapsed:.2f}s"
    assert other_kind["success"] is True and "balances" in other_kind["data"], other_kind
    assert malformed.get("success") is False, malformed
    assert again["success"] is True and again["data"]["id"] == u.profile_id, again
    assert h.db_snapshot(u.user_id) == before, "a write answered 503 was applied"


# ------------------------------------------------------------------ gateway crash + restart

def test_gateway_killed_and_restarted_under_load(make_stack):
    """The gateway is SIGKILLed while writers are busy and started again on the same
    ports: the same worker processes rejoin by themselves, service resumes within a few
    seconds, and every acknowledged write is in the database."""
    s = make_stack("f-gwkill", workers=2, env={"P2P_HEARTBEAT_MS": "500"})
    worker_pids = [w.pid for w in s.workers]
    writers = start_writers(s, 4, "g")
    try:
        time.sleep(1.5)
        s.gateway.kill()
        time.sleep(1.0)
        t_start = time.monotonic()
        s.start_gateway()
        s.wait_ready(timeout=10)
        t_ready = time.monotonic() - t_start
        time.sleep(2.0)
    finally:
        halt_all(writers)
    assert [w.pid for w in s.workers] == worker_pids and all(w.alive() for w in s.workers), \
        "workers were restarted or died with the gateway"
    assert t_ready < 5.0, f"service resumed only after {t_ready:.1f}s"
    for w in writers:
        assert not w.wrong, w.wrong
        for t0, _, status, value, r in w.results:
            # While the gateway is down a client cannot connect; anything it did get
            # must be an answer or a clear error.
            if isinstance(status, int) and status != 200:
                assert_clear_error(r, value)
        assert [x for x in w.results if x[0] > t_start + t_ready and x[2] == 200], (
            f"{w.tag}: no successful write after the restart (ready {t_ready:.2f}s after "
            f"the start); its requests from the kill on: "
            f"{[(round(a - t_start, 2), round(b - t_start, 2), st) for a, b, st, _, _ in w.results if b > t_start - 1.2]}")
    check_db_matches_writers(writers)


# ------------------------------------------------------------------ PostgreSQL down and up

@pytest.fixture
def own_pg():
    pg = h.PgCluster()
    try:
        yield pg.init()
    finally:
        pg.destroy()


def test_postgres_stopped_and_started_while_busy(make_stack, own_pg):
    """PostgreSQL (a cluster of this test's own) stops while writers and creators are
    busy: requests fail fast with 503, the workers reconnect by themselves once it is
    back, every acknowledged write and create is in the database, and no create answered
    503 was applied."""
    s = make_stack("f-pg", workers=2, env={"DATABASE_URL": own_pg.url,
                                           "P2P_REQUEST_TIMEOUT_MS": "5000"})
    worker_pids = [w.pid for w in s.workers]
    # psql helpers read DATABASE_URL: point them at this cluster via the url argument.
    writers = []
    for i in range(4):
        u = h.User(s)
        r = u.post(CREATE, {"has_consent": True, "username": h.new_username("pg")})
        assert r.status == 201, r
        u.profile = r.json["data"]["profile"]
        writers.append(Writer(u, f"p{i}"))
    creates = []  # (t0, t1, status, user_id)
    stop_creating = threading.Event()

    def creator():
        while not stop_creating.is_set():
            u = h.User(s)
            t0 = time.monotonic()
            try:
                r = u.post(CREATE, {"has_consent": True, "username": h.new_username("pc")})
                creates.append((t0, time.monotonic(), r.status, u.user_id, r))
            except (OSError, http.client.HTTPException) as e:
                creates.append((t0, time.monotonic(), repr(e), u.user_id, None))
    creator_thread = threading.Thread(target=creator, daemon=True)
    for w in writers:
        w.start()
    creator_thread.start()
    try:
        time.sleep(1.5)
        own_pg.stop("fast")
        t_down = time.monotonic()
        time.sleep(3.0)
        t_up_begin = time.monotonic()
        own_pg.start()
        t_up = time.monotonic()
        # Workers reconnect by themselves: no process is restarted.
        h.wait_until(lambda: any(x[0] > t_up and x[2] == 200
                                 for w in writers for x in w.results), 15, interval=0.2,
                     what="a successful write after PostgreSQL came back")
        t_recovered = time.monotonic() - t_up
        time.sleep(1.5)
    finally:
        stop_creating.set()
        creator_thread.join(timeout=20)
        halt_all(writers)
    assert [w.pid for w in s.workers] == worker_pids and all(w.alive() for w in s.workers)

    all_rest = [x for w in writers for x in w.results] + [
        (t0, t1, st, uid, r) for t0, t1, st, uid, r in creates]
    # While it is down (after in-flight requests settle): 503, fast.
    down = [x for x in all_rest if t_down + 0.5 < x[0] and x[1] < t_up_begin]
    assert len(down) >= 10, f"too few requests while PostgreSQL was down: {len(down)}"
    not_503 = [(round(t0 - t_down, 2), st) for t0, _, st, _, _ in down if st != 503]
    assert not not_503, f"requests while PostgreSQL was down that were not 503: {not_503[:10]}"
    slow = [round(t1 - t0, 2) for t0, t1, _, _, _ in down if t1 - t0 > 1.0]
    assert not slow, f"503s while PostgreSQL was down took {slow[:10]} s (not fast)"
    for _, _, st, value, r in all_rest:
        if st != 200 and st != 201:
            assert isinstance(st, int), f"{value}: {st}"
            assert_clear_error(r, value)
    assert t_recovered < 15
    for w in writers:
        assert not w.wrong, w.wrong
    # Every acknowledged write is there; no 503 write was applied.
    check_db_matches_writers(writers, url=own_pg.url)
    created = [uid for _, _, st, uid, _ in creates if st == 201]
    refused = [uid for _, _, st, uid, _ in creates if st == 503]
    assert created and refused, (len(created), len(refused))
    rows = set(psql_url(own_pg.url, "SELECT user_id FROM p2p_profiles").split())
    missing = [uid for uid in created if uid not in rows]
    assert not missing, f"{len(missing)} acknowledged creates are not in the database: {missing[:5]}"
    applied = [uid for uid in refused if uid in rows]
    assert not applied, f"{len(applied)} creates answered 503 were applied: {applied[:5]}"


# ------------------------------------------------------------------ SIGTERM

def test_gateway_sigterm_finishes_inflight_closes_sessions_1001_exits_0(make_stack):
    """SIGTERM to the gateway with WebSocket sessions open and a write in flight: the
    write finishes (its worker answers within the grace period), new connections are not
    served, every session gets close code 1001, and the process exits 0."""
    s = make_stack("f-gwterm", workers=1, env={"P2P_REQUEST_TIMEOUT_MS": "8000"})
    users = [h.create_user(s) for _ in range(3)]
    writer = h.create_user(s)
    worker = s.workers[0]
    result = {}

    def put():
        result["r"] = writer.put(PROFILE, {"auto_reply_message": "in-flight"})

    async def go():
        sessions = [await h.ws_session(s, u.user_id) for u in users]
        try:
            worker.signal(signal.SIGSTOP)
            t = threading.Thread(target=put, daemon=True)
            t.start()
            await asyncio.sleep(0.5)  # the PUT now waits on the frozen worker
            t_term = time.monotonic()
            s.gateway.signal(signal.SIGTERM)
            await asyncio.sleep(0.3)
            # Draining: a new client is not served.
            try:
                late = h.http_request(s, "GET", "/p2p/health", timeout=1)
                late = late.status
            except OSError as e:
                late = repr(e)
            worker.signal(signal.SIGCONT)
            codes = await asyncio.gather(*(x.expect_closed(timeout=8) for x in sessions))
            t_closed = time.monotonic() - t_term
            await asyncio.get_running_loop().run_in_executor(None, t.join, 10)
            return late, codes, t_closed
        finally:
            worker.signal(signal.SIGCONT)
            for x in sessions:
                await x.close()
    late, codes, t_closed = h.run(go(), timeout=60)
    try:
        code = s.gateway.popen.wait(timeout=8)
    except subprocess.TimeoutExpired:
        code = None
    assert code == 0, f"gateway exit code {code} after SIGTERM\n{s.log_tail()}"
    assert codes == [1001] * len(codes), f"close codes {codes}, want 1001 each"
    assert t_closed < 6, f"sessions closed {t_closed:.1f}s after SIGTERM"
    r = result.get("r")
    assert r is not None and r.status == 200, f"in-flight write did not finish: {r!r}"
    assert r.json["data"]["profile"]["auto_reply_message"] == "in-flight"
    assert h.db_profile(writer.user_id)["auto_reply_message"] == "in-flight"
    assert late != 200, "the gateway still served a new request after SIGTERM"


def test_worker_sigterm_leaves_pool_at_once_and_exits_0(make_stack):
    """SIGTERM to the only worker while a client is busy: it exits 0, the gateway logs
    worker.left (a clean DISCONNECT, not a heartbeat timeout), /p2p/ready turns 503 well
    before three heartbeats, and requests fail with 503 right away, not at their
    deadline."""
    s = make_stack("f-wterm", workers=1, env={"P2P_HEARTBEAT_MS": "1000",
                                              "P2P_REQUEST_TIMEOUT_MS": "8000"})
    writers = start_writers(s, 2, "t")
    worker = s.workers[0]
    try:
        time.sleep(1.0)
        t_term = time.monotonic()
        s.remove_worker(worker)  # SIGTERM, wait
        code = worker.popen.returncode
        t_exit = time.monotonic() - t_term
        h.wait_until(lambda: h.http_request(s, "GET", "/p2p/ready").status == 503, 1.5,
                     interval=0.05, what="/p2p/ready 503 after the only worker left")
        t_not_ready = time.monotonic() - t_term
        time.sleep(1.0)
    finally:
        halt_all(writers)
    assert code == 0, f"worker exited {code} on SIGTERM\n{worker.log_tail()}"
    assert t_exit < 3, f"worker took {t_exit:.1f}s to exit"
    left = log_events(s.gateway, "worker.left")
    assert left, "the gateway never logged worker.left\n" + s.log_tail()
    assert t_not_ready < 2.5, t_not_ready
    for w in writers:
        for t0, t1, st, value, r in w.results:
            if st != 200:
                assert isinstance(st, int), st
                h.assert_error(r, 503)
                assert t1 - t0 < 1.5, f"{value}: 503 after {t1 - t0:.2f}s"
        assert [x for x in w.results if x[0] > t_term + 0.5 and x[2] == 503], \
            f"{w.tag}: no prompt 503 after the worker left"
    check_db_matches_writers(writers)


# ------------------------------------------------------------------ slow and stuck clients

def _ws_frame(payload, opcode=1):
    """A masked client frame."""
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _served_quickly(stack, user, n=5, bound=1.5):
    """n profile reads by another client; return the slowest (asserting each is 200)."""
    worst = 0.0
    for _ in range(n):
        r = user.get(PROFILE)
        assert r.status == 200, f"another client was not served: {r!r}"
        worst = max(worst, r.elapsed)
    assert worst < bound, f"another client waited {worst:.2f}s"
    return worst


@pytest.mark.parametrize("pace", ["burst", "paced"])
def test_client_that_never_reads_cannot_grow_gateway_memory(make_stack, pace):
    """A WebSocket client sends many requests with large replies and never reads:
    "burst" pipelines a hundred at a time, "paced" sends batches small enough to stay
    under any in-flight cap so the replies pile up unread. The gateway's memory stays
    bounded by its per-session limits (the session is throttled or closed), and other
    clients keep being served throughout."""
    # A small ASan quarantine, so RSS tracks live memory rather than freed blocks.
    s = make_stack(f"f-noread-{pace}", workers=2,
                   env={"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=16"})
    flooder = h.create_user(s)
    other = h.create_user(s)
    # Large replies whatever the database holds: a full page of 100 profiles, each with a
    # 500-character auto-reply, that only this test's search text matches.
    tag = "nr" + uuid.uuid4().hex[:10]
    h.psql("INSERT INTO p2p_profiles (user_id, username, auto_reply_message, has_consent) "
           f"SELECT 'it_{tag}_' || i, '{tag}_' || i, repeat('x', 500), true "
           "FROM generate_series(1, 100) AS i")
    # (searchable profiles only: show the reply is as large as the flood needs)
    async def one_search():
        sess = await h.ws_session(s, other.user_id)
        try:
            return await sess.call("profile.search", {"search": tag, "limit": 100})
        finally:
            await sess.close()
    page = h.run(one_search(), timeout=20)
    assert len(page["data"]["profiles"]) == 100 and len(json.dumps(page)) > 50_000, page
    sock, status, _ = h.raw_ws_handshake(s, f"/api/p2p/ws?token={flooder.token}")
    assert status == 101, status
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    search = _ws_frame(json.dumps({"type": "profile.search",
                                   "data": {"search": tag, "limit": 100}}).encode())
    get = _ws_frame(json.dumps({"type": "profile.get"}).encode())
    batch = (search + get) * (50 if pace == "burst" else 10)
    rss_before = rss_kib(s.gateway.pid)
    peak = rss_before
    sent = 0
    served = []
    closed_after = None
    t0 = time.monotonic()
    t_end = t0 + 12
    next_probe = 0.0
    pending = b""
    try:
        while time.monotonic() < t_end:
            if not pending:
                pending = batch
                if pace == "paced":
                    time.sleep(0.2)
            try:
                n = sock.send(pending)
                pending = pending[n:]
                sent += n
            except BlockingIOError:
                time.sleep(0.05)  # the gateway stopped reading us: backpressure
            except OSError:
                closed_after = time.monotonic() - t0  # the gateway cut the session off
                break
            if time.monotonic() >= next_probe:
                served.append(_served_quickly(s, other, n=1, bound=1.5))
                next_probe = time.monotonic() + 0.5
            peak = max(peak, rss_kib(s.gateway.pid))
        served.append(_served_quickly(s, other, n=5, bound=1.5))
        peak = max(peak, rss_kib(s.gateway.pid))
    finally:
        sock.close()
    growth_mib = (peak - rss_before) / 1024
    print(f"{pace}: sent {sent / 2**20:.2f} MiB, gateway RSS +{growth_mib:.1f} MiB, "
          f"flooder closed after {closed_after}")
    # Bounded by the per-session limits (a few MiB of queued replies), not by what the
    # client sent; the ASan build's allocator quarantine adds its share.
    assert growth_mib < 64, (f"gateway RSS grew by {growth_mib:.0f} MiB while a client sent "
                             f"{sent / 2**20:.1f} MiB and read nothing")
    assert served, "other clients were never served during the flood"
    assert s.gateway.alive()
    _served_quickly(s, other)
    # and the flood was throttled: past its queue cap the session was dropped, so the
    # replies it asked for were not all produced, nor sent
    assert closed_after is not None, f"the flooder was never cut off ({sent} bytes sent)"
    assert h.wait_until(lambda: h.log_events(s.gateway, "ws.slow_consumer"), 5,
                        what="ws.slow_consumer in the gateway's log")


def test_slow_reader_gets_every_reply_whole_and_once(make_stack):
    """Replies are written at once when nothing is queued ahead (ws_session.c s_send); a
    client that reads slowly makes the first one a short write, which lws finishes while
    the rest queue behind it. Every reply must still arrive, whole, exactly once, and the
    session stay usable."""
    s = make_stack("f-slowread", workers=2)
    reader = h.create_user(s)
    tag = "sr" + uuid.uuid4().hex[:10]
    h.psql("INSERT INTO p2p_profiles (user_id, username, auto_reply_message, has_consent) "
           f"SELECT 'it_{tag}_' || i, '{tag}_' || i, repeat('y', 500), true "
           "FROM generate_series(1, 100) AS i")
    # Ethernet's segment size: on loopback (64 KiB segments) a window shrunk below one
    # segment and opened again crawls at ~25 KB/s, as the kernel will not send less than a
    # segment into a window; no real network's segments are that large
    sock, status, buf = h.raw_ws_handshake(s, f"/api/p2p/ws?token={reader.token}", mss=1460)
    assert status == 101, status
    # a small receive window: the kernel takes a few KiB of a ~88 KiB reply, not the lot
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    ids = [f"slow-{i}" for i in range(40)]  # ~3.5 MB of replies: under the queue cap
    sock.sendall(b"".join(_ws_frame(json.dumps({"type": "profile.search", "request_id": rid,
                                                "data": {"search": tag, "limit": 100}}).encode())
                          for rid in ids))
    time.sleep(2)  # the gateway has the replies; the client has read nothing
    # then read on through a wider window (a 4 KiB one throttles loopback TCP to ~100 KiB/s)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
    replies = {}
    deadline = time.monotonic() + 30
    while len(replies) < len(ids) and time.monotonic() < deadline:
        frames, buf = h.parse_frames(buf)
        for opcode, payload in frames:
            if opcode == 9:
                continue  # the gateway's keepalive ping
            assert opcode == 1, (opcode, payload[:200])
            msg = json.loads(payload)  # a torn or interleaved frame fails here
            if msg.get("type") != "profile.search":
                continue  # "connected"
            rid = msg.get("request_id")
            assert rid in ids and rid not in replies, rid
            replies[rid] = msg
        if len(replies) < len(ids):
            chunk = sock.recv(8192)
            assert chunk, f"closed after {len(replies)} of {len(ids)} replies"
            buf += chunk
    assert len(replies) == len(ids), f"{len(replies)} of {len(ids)} replies"
    for msg in replies.values():
        assert msg.get("success") is True and len(msg["data"]["profiles"]) == 100, msg.get("error")
    # and the session still answers
    sock.sendall(_ws_frame(json.dumps({"type": "profile.get", "request_id": "after"}).encode()))
    while True:
        frames, buf = h.parse_frames(buf)
        got = [json.loads(p) for op, p in frames if op == 1]
        if any(m.get("request_id") == "after" for m in got):
            break
        chunk = sock.recv(65536)
        assert chunk, "closed before answering profile.get"
        buf += chunk
    sock.close()


def _slowloris(stack, chunks, interval, bound):
    """Send chunks one per interval on one connection until the gateway cuts it off or
    bound seconds pass; return the seconds until cut off (None when never)."""
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
    t0 = time.monotonic()
    try:
        for chunk in chunks:
            if time.monotonic() - t0 > bound:
                return None
            try:
                sock.sendall(chunk)
            except OSError:
                return time.monotonic() - t0
            # a closed connection shows as EOF (or a reset) on read
            sock.settimeout(interval)
            try:
                data = sock.recv(4096)
                if not data:
                    return time.monotonic() - t0
                # an answer (e.g. 408/400) then close also counts as cut off once EOF comes
            except socket.timeout:
                pass
            except OSError:
                return time.monotonic() - t0
        return None
    finally:
        sock.close()


def _forever(prefix, unit):
    yield from (bytes([b]) for b in prefix)
    while True:
        yield unit


SLOWLORIS_BOUND_S = 30


@pytest.mark.parametrize("kind", ["headers", "body"])
def test_slowloris_is_cut_off_and_does_not_stall_others(make_stack, kind):
    """Several connections trickle a request (headers byte by byte, or a body a byte at
    a time): other clients are served promptly throughout, and each trickling
    connection is cut off within a bounded time."""
    s = make_stack(f"f-slow-{kind}", workers=1)
    other = h.create_user(s)
    token = h.create_user(s).token
    if kind == "headers":
        head = (f"GET {PROFILE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\n").encode()
        chunks = lambda: _forever(head, b"X")  # a header line that never ends
    else:
        head = (f"PUT {PROFILE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                "Content-Length: 60000\r\n\r\n").encode()

        def chunks():
            yield head
            yield b'{"auto_reply_message":"'
            while True:
                yield b"a"
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        _slowloris(s, chunks(), 0.25, SLOWLORIS_BOUND_S + 5)), daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    worst = 0.0
    deadline = time.monotonic() + SLOWLORIS_BOUND_S + 8
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        worst = max(worst, _served_quickly(s, other, n=1, bound=1.5))
        time.sleep(0.3)
    for t in threads:
        t.join(timeout=10)
    assert len(results) == len(threads), "slowloris clients did not finish"
    never = [x for x in results if x is None]
    assert not never, (f"{len(never)} of {len(results)} trickling connections were still "
                       f"open after {SLOWLORIS_BOUND_S + 5}s")
    assert max(results) <= SLOWLORIS_BOUND_S, f"cut off only after {max(results):.1f}s"
    assert worst < 1.5
    assert s.gateway.alive()
    _served_quickly(s, other)


def test_each_request_times_out_at_its_own_deadline(make_stack):
    """Deadlines wait in one list in the order requests were sent, under one timer for the
    oldest (gateway/pending.c): a request sent later times out later, by as much, and the
    gateway keeps serving. Two waves to a frozen worker, 0.8 s apart, with a 1.5 s timeout:
    the first wave is answered REQUEST_TIMEOUT at ~1.5 s, the second ~0.8 s after it, and a
    request after the worker thaws is served."""
    timeout_s = 1.5
    s = make_stack("deadlines", workers=1, admin_workers=0,
                   env={"P2P_REQUEST_TIMEOUT_MS": str(int(timeout_s * 1000))})
    u = h.create_user(s)
    worker = s.workers[0]

    async def go():
        sess = await h.ws_session(s, u.user_id)
        try:
            worker.signal(signal.SIGSTOP)
            t0 = time.monotonic()
            for n in range(3):
                await sess.send("profile.get", request_id=f"a{n}")
            await asyncio.sleep(0.8)
            t1 = time.monotonic()
            for n in range(3):
                await sess.send("profile.get", request_id=f"b{n}")
            got = {}
            for _ in range(6):
                r = await sess.recv(timeout=10)
                got[r["request_id"]] = (time.monotonic(), r)
            worker.signal(signal.SIGCONT)
            await sess.send("profile.get", request_id="after")
            after = await sess.recv(timeout=10)
            return t0, t1, got, after
        finally:
            worker.signal(signal.SIGCONT)
            await sess.close()

    t0, t1, got, after = h.run(go(), timeout=60)
    assert set(got) == {"a0", "a1", "a2", "b0", "b1", "b2"}, got
    for rid, (at, r) in got.items():
        assert r.get("success") is False and r.get("error") == "REQUEST_TIMEOUT", (rid, r)
        sent = t0 if rid.startswith("a") else t1
        # never early; late by at most a loaded machine's scheduling slack
        assert timeout_s - 0.05 <= at - sent <= timeout_s + 1.0, (rid, round(at - sent, 3))
    first = max(got[f"a{n}"][0] for n in range(3))
    second = min(got[f"b{n}"][0] for n in range(3))
    assert second - first >= 0.5, ("the second wave timed out with the first", round(second - first, 3))
    assert after.get("success") is True, after
