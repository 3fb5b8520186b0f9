"""profile.search answered from the profile workers' in-memory search index
(profile-svc/profile_search_index.h, kept exact by profile_search_sync.h and migration 009):
it answers (the /metrics counters say so) with the database's rows, order and totals; every
kind of write shows in the very next search, including one committed by a transaction that
was open while searches ran; deleted profiles and a new database connection make it drop
the index and reload it in the tick; a stack without the index (P2P_SEARCH_INDEX=0) answers exactly the same; and searches
racing with renames on two workers end on the final state everywhere.

Every stack here runs without the answer cache (P2P_LISTING_CACHE_ENTRIES=0), so a search is
answered by the index or by the database, never by a kept answer."""

import asyncio
import datetime
import os
import queue
import random
import subprocess
import threading
import time
import uuid

import pytest

import p2p_harness as h

ADMIN = "/api/p2p/admin"
ADMIN_ID = "it_admin_" + uuid.uuid4().hex[:12]

_ENV = {"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "100", "P2P_LISTING_CACHE_ENTRIES": "0"}
_LISTED = "has_consent AND (NOT is_suspended OR suspended_until <= now())"
_ORDER = "ORDER BY avg_rating DESC, completed_trades DESC, id"


def _tag(prefix="si"):
    # usernames are [A-Za-z0-9_]; "si" + 10 hex characters never occurs in other tests' names
    return prefix + uuid.uuid4().hex[:10]


# ---------------------------------------------------------------- stacks

class _IndexStack:
    def __init__(self, stack, pre_tag, pre_names):
        self.stack = stack
        self.pre_tag = pre_tag
        self.pre_names = pre_names


@pytest.fixture(scope="module")
def istack():
    """One profile worker with the index, no answer cache; profiles seeded before it starts."""
    tag = _tag()
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades) "
           f"SELECT '{tag}_a' || g, '{tag}a' || g, TRUE, (g % 4) + 1.5, g % 3 "
           "FROM generate_series(1, 12) AS g")
    s = h.Stack("search-index", workers=1, env=_ENV)
    yield _IndexStack(s, tag, [f"{tag}a{g}" for g in range(1, 13)])
    s.stop()


@pytest.fixture(scope="module")
def istack2():
    """Two profile workers with the index, no answer cache."""
    s = h.Stack("search-index-2", workers=2, env=_ENV)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def dbstack():
    """One profile worker without the index: every search goes to the database."""
    s = h.Stack("search-noindex", workers=1, env=dict(_ENV, P2P_SEARCH_INDEX="0"))
    yield s
    s.stop()


def _admin(stack, method, path, body=h._NO_BODY):
    return h.http_request(stack, method, ADMIN + path, token=stack.admin_token(ADMIN_ID),
                          json_body=body)


def _until(seconds):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return at, at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---------------------------------------------------------------- clients

class _Searcher:
    """One user's WebSocket session with its own event loop (usable from one thread)."""

    def __init__(self, stack, user=None):
        self.user = user or h.create_user(stack)
        self.loop = asyncio.new_event_loop()
        self.session = self.loop.run_until_complete(h.ws_session(stack, self.user.user_id))

    def call(self, type_, data):
        return self.loop.run_until_complete(self.session.call(type_, data))

    def __call__(self, data):
        reply = self.call("profile.search", data)
        assert reply["success"] is True, (data, reply)
        return reply["data"]

    def burst(self, data, n):
        """n searches sent at once (the gateway gives each to its least-loaded worker, so
        they spread over the workers); their data, in no particular order."""
        async def go():
            ids = []
            for _ in range(n):
                rid = self.session.new_request_id()
                ids.append(rid)
                await self.session.send("profile.search", data, request_id=rid)
            replies = {}
            while len(replies) < n:
                msg = await self.session.recv()
                if msg.get("request_id") in ids:
                    replies[msg["request_id"]] = msg
            return list(replies.values())
        replies = self.loop.run_until_complete(asyncio.wait_for(go(), 15))
        for reply in replies:
            assert reply["success"] is True, (data, reply)
        return [reply["data"] for reply in replies]

    def close(self):
        self.loop.run_until_complete(self.session.close())
        self.loop.close()


def _names(data):
    return [p["username"] for p in data["profiles"]]


# ---------------------------------------------------------------- the database's view

def _oracle(tag, extra=""):
    """The listed usernames holding tag (case-insensitive), in the search's order."""
    out = h.psql(f"SELECT username FROM p2p_profiles WHERE strpos(lower(username), '{tag.lower()}') > 0 "
                 f"AND {_LISTED} {extra} {_ORDER}")
    return out.split()


def _pid(username):
    return int(h.psql(f"SELECT id FROM p2p_profiles WHERE username = '{username}'").strip())


# ---------------------------------------------------------------- metrics

_INDEX_METRICS = ("profiles", "loads_total", "reads_total", "change_reads_total",
                  "rows_applied_total", "answers_total", "stale_pages_total")


def _index_metrics(stack):
    """{worker: {metric: value}} of the stack's profile workers (names without the
    p2p_worker_search_index_ prefix); asserts every worker reports every one."""
    text = h.http_request(stack, "GET", "/metrics").body.decode()
    per = {}
    for line in text.splitlines():
        if not line.startswith("p2p_worker_search_index_") or 'kind="profile"' not in line:
            continue
        name, labels = line.split("{", 1)
        worker = labels.split('worker="', 1)[1].split('"', 1)[0]
        per.setdefault(worker, {})[name[len("p2p_worker_search_index_"):]] = \
            float(line.rsplit(" ", 1)[1])
    assert per, text[-3000:]
    for worker, values in per.items():
        assert set(_INDEX_METRICS) <= set(values), (worker, values)
    return per


def _total(stack, metric):
    return sum(w[metric] for w in _index_metrics(stack).values())


def _drops(stack):
    """How often the stack's profile workers dropped their index (their logs)."""
    return sum(len(h.log_events(w, "profile_search.index_dropped")) for w in stack.workers)


def _assert_index_answered(stack, answers0, searches, drops0, what, data, check):
    """The index answered all `searches` made since answers0 was read. Only when a worker
    dropped its index meanwhile (profiles deleted by anyone sharing the database: the
    database answers until the tick has loaded it again) may some have gone to the
    database; then the reloaded index must answer `data` (its result passing check)."""
    try:
        h.wait_until(lambda: _total(stack, "answers_total") - answers0 >= searches, 3,
                     what=f"{what}: all {searches} searches answered by the index "
                          f"(answers_total from {answers0})")
        return
    except AssertionError:
        if _drops(stack) == drops0:
            raise
    search = _Searcher(stack)
    try:
        answers1 = _total(stack, "answers_total")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            result = search(data)
            assert check(result), (what, data, result)
            time.sleep(0.2)
            if _total(stack, "answers_total") > answers1:
                return
        raise AssertionError(f"{what}: the index never answered again after it was dropped")
    finally:
        search.close()


# ---------------------------------------------------------------- a transaction held open

class _HeldTransaction:
    """A psql session fed line by line: statements run while the test goes on, and the
    transaction stays open between them."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["psql", os.environ["DATABASE_URL"], "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def run(self, sql, timeout=10):
        """Run sql (one or more statements) and wait until psql has done it; its output."""
        marker = "__done_" + uuid.uuid4().hex[:8]
        self.proc.stdin.write(sql + "\n\\echo " + marker + "\n")
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"psql did not finish within {timeout}s: {sql} ({out})") from None
            if line is None:
                raise AssertionError(f"psql exited ({self.proc.wait(5)}) running {sql}: {out}")
            if line == marker:
                return out
            out.append(line)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# ================================================================= 1. the index serves

def test_index_answers_with_the_right_profiles_order_and_total(istack):
    stack, tag = istack.stack, istack.pre_tag
    m = _index_metrics(stack)
    assert len(m) == 1, m
    (worker,) = m.values()
    assert worker["loads_total"] >= 1 and worker["profiles"] > 0, worker
    # more of the same tag after the start, with ties on rating and on trades (id decides)
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades, "
           "is_verified) "
           f"SELECT '{tag}_b' || g, '{tag}b' || g, TRUE, 3.5, g % 2, g % 3 = 0 "
           "FROM generate_series(1, 8) AS g")
    # not listed: no consent, suspended
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"VALUES ('{tag}_nc', '{tag}nc', FALSE, 5.0)")
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, is_suspended) "
           f"VALUES ('{tag}_su', '{tag}su', TRUE, 5.0, TRUE)")
    want = _oracle(tag)
    assert len(want) == 20 and f"{tag}nc" not in want and f"{tag}su" not in want, want
    assert {f"{tag}a1", f"{tag}b1"} <= set(want)

    drops0 = _drops(stack)
    answers0 = _total(stack, "answers_total")
    search = _Searcher(stack)
    try:
        n = 0
        data = search({"search": tag, "limit": 100}); n += 1
        assert _names(data) == want and data["total"] == 20 and data["total_is_lower_bound"] is False, data
        # loaded at start, and inserted since
        assert set(istack.pre_names) <= set(_names(data)) and f"{tag}b8" in _names(data), data
        ranks = [(-p["avg_rating"], -p["completed_trades"], p["id"]) for p in data["profiles"]]
        assert ranks == sorted(ranks), ranks
        data = search({"search": tag.upper(), "limit": 7, "offset": 5}); n += 1
        assert _names(data) == want[5:12] and data["total"] == 20, data
        data = search({"search": tag + "b", "limit": 3}); n += 1
        b_names = [x for x in want if x.startswith(tag + "b")]
        assert _names(data) == b_names[:3] and data["total"] == 8, data
        data = search({"search": tag + "b", "is_verified": True}); n += 1
        assert _names(data) == [f"{tag}b3", f"{tag}b6"] and data["total"] == 2, data
        data = search({"search": tag, "min_rating": 4.5, "limit": 100}); n += 1
        assert _names(data) == _oracle(tag, "AND avg_rating >= 4.5") and data["total"] == 3, data
        data = search({"search": tag + "zz"}); n += 1
        assert data == {"profiles": [], "total": 0, "total_is_lower_bound": False}, data
    finally:
        search.close()
    _assert_index_answered(stack, answers0, n, drops0, "the index serving", {"search": tag, "limit": 100},
                           lambda d: _names(d) == want)
    assert _index_metrics(stack)[next(iter(m))]["profiles"] >= 22


# ================================================================= 2. every write, at once

def test_every_kind_of_write_shows_in_the_next_search(istack):
    stack = istack.stack
    tag = _tag()
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades) "
           f"SELECT '{tag}_' || g, '{tag}p' || g, TRUE, g * 0.5, 0 FROM generate_series(1, 6) AS g")
    owner = h.create_user(stack, username=f"{tag}u")
    drops0 = _drops(stack)
    answers0 = _total(stack, "answers_total")
    search = _Searcher(stack)
    n = 0

    def check(why, **must):
        """The next search for the tag: exactly the database's listing, in its order."""
        nonlocal n
        data = search({"search": tag, "limit": 100})
        n += 1
        want = _oracle(tag)
        assert _names(data) == want and data["total"] == len(want), (why, data, want)
        for name in must.get("shown", ()):
            assert name in want, (why, name, want)
        for name in must.get("hidden", ()):
            assert name not in want, (why, name, want)
        return want

    try:
        check("start", shown=[f"{tag}u", f"{tag}p1"])

        # the owner renames itself over the WebSocket, to a name with capitals
        owner_ws = _Searcher(stack, owner)
        try:
            r = owner_ws.call("profile.update", {"username": f"{tag}RenAmed"})
            assert r["success"] is True, r
            check("renamed", shown=[f"{tag}RenAmed"], hidden=[f"{tag}u"])
            assert _names(search({"search": f"{tag}renamed"})) == [f"{tag}RenAmed"]; n += 1
            assert search({"search": f"{tag}u"})["total"] == 0; n += 1
            # to a name sharing no trigram with the tag, and back: listed once again
            other = "zz" + uuid.uuid4().hex[:12]
            r = owner_ws.call("profile.update", {"username": other})
            assert r["success"] is True, r
            check("renamed away", hidden=[f"{tag}RenAmed"])
            assert _names(search({"search": other})) == [other]; n += 1
            r = owner_ws.call("profile.update", {"username": f"{tag}u"})
            assert r["success"] is True, r
            want = check("renamed back", shown=[f"{tag}u"])
            assert want.count(f"{tag}u") == 1
            assert search({"search": other})["total"] == 0; n += 1
        finally:
            owner_ws.close()

        # rating and completed trades by hand: the order moves
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 4.9 WHERE username = '{tag}p1'")
        assert check("rating")[0] == f"{tag}p1"
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 4.9, completed_trades = 3 WHERE username = '{tag}p2'")
        assert check("trades")[:2] == [f"{tag}p2", f"{tag}p1"]
        data = search({"search": tag, "min_rating": 4.9}); n += 1
        assert _names(data) == [f"{tag}p2", f"{tag}p1"] and data["total"] == 2, data

        # consent revoked by hand
        h.psql(f"UPDATE p2p_profiles SET has_consent = FALSE WHERE username = '{tag}p3'")
        check("consent revoked", hidden=[f"{tag}p3"])

        # the admin API suspends and lifts
        victim = _pid(f"{tag}p4")
        r = _admin(stack, "POST", f"/profiles/{victim}/suspend", {"reason": "it: index"})
        assert r.status == 200, r
        check("suspended", hidden=[f"{tag}p4"])
        r = _admin(stack, "POST", f"/profiles/{victim}/unsuspend", {})
        assert r.status == 200, r
        check("unsuspended", shown=[f"{tag}p4"])

        # suspensions by hand: one already over (listed), one that has not ended
        h.psql(f"UPDATE p2p_profiles SET is_suspended = TRUE, suspended_until = now() - interval '1 second' "
               f"WHERE username = '{tag}p5'")
        check("suspension over", shown=[f"{tag}p5"])
        h.psql(f"UPDATE p2p_profiles SET is_suspended = TRUE, suspended_until = now() + interval '1 day' "
               f"WHERE username = '{tag}p6'")
        check("suspended for a day", hidden=[f"{tag}p6"])

        # a suspension that ends while searches go on: listed again at its end
        victim = _pid(f"{tag}p1")
        end, end_text = _until(1.5)
        r = _admin(stack, "POST", f"/profiles/{victim}/suspend", {"reason": "it: index", "until": end_text})
        assert r.status == 200, r
        check("suspended until", hidden=[f"{tag}p1"])
        asked = [0]

        def shown():
            asked[0] += 1
            return f"{tag}p1" in _names(search({"search": tag, "limit": 100}))
        back = h.first_shown_after(end, shown, "a profile whose suspension ended")
        n += asked[0]
        assert (back - end).total_seconds() < 1.0, (back, end)
        check("suspension ended", shown=[f"{tag}p1"])

        # a new profile by hand
        h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
               f"VALUES ('{tag}_new', '{tag}new', TRUE, 5.0)")
        assert check("inserted", shown=[f"{tag}new"])[0] == f"{tag}new"
    finally:
        search.close()
    _assert_index_answered(stack, answers0, n, drops0, "every kind of write", {"search": tag, "limit": 100},
                           lambda d: _names(d) == _oracle(tag))


def test_a_change_shows_when_its_transaction_commits_not_before(istack):
    stack = istack.stack
    tag = _tag()
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades) "
           f"SELECT '{tag}_' || g, '{tag}t' || g, TRUE, 2.0, g FROM generate_series(1, 4) AS g")
    drops0 = _drops(stack)
    answers0 = _total(stack, "answers_total")
    search = _Searcher(stack)
    held = _HeldTransaction()
    n = 0

    def names(pattern=tag):
        nonlocal n
        n += 1
        return _names(search({"search": pattern, "limit": 100}))

    try:
        before = names()
        assert before == [f"{tag}t4", f"{tag}t3", f"{tag}t2", f"{tag}t1"], before
        held.run("BEGIN;")
        held.run(f"UPDATE p2p_profiles SET username = '{tag}held', avg_rating = 5.0 WHERE username = '{tag}t1';")
        held.run("SELECT pg_current_xact_id();")
        # searched while it is open: the old state; meanwhile others' changes show at once
        assert names() == before
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 3.0 WHERE username = '{tag}t2'")
        after_other = [f"{tag}t2", f"{tag}t4", f"{tag}t3", f"{tag}t1"]
        assert names() == after_other
        h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
               f"VALUES ('{tag}_x', '{tag}x', TRUE, 1.0)")
        after_other.append(f"{tag}x")
        assert names() == after_other
        assert names(f"{tag}held") == []
        held.run("SELECT pg_sleep(0.3);")
        assert names() == after_other
        held.run("COMMIT;")
        # the very next search
        assert names() == [f"{tag}held", f"{tag}t2", f"{tag}t4", f"{tag}t3", f"{tag}x"]
        assert names(f"{tag}held") == [f"{tag}held"]

        # one that rolls back never shows
        held.run(f"BEGIN; UPDATE p2p_profiles SET has_consent = FALSE WHERE username = '{tag}t2';")
        assert f"{tag}t2" in names()
        held.run("ROLLBACK;")
        assert f"{tag}t2" in names()

        # an insert inside a transaction that commits after searches
        held.run("BEGIN; INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
                 f"VALUES ('{tag}_late', '{tag}late', TRUE, 4.0);")
        assert f"{tag}late" not in names()
        h.psql(f"UPDATE p2p_profiles SET completed_trades = 99 WHERE username = '{tag}x'")
        assert names()[-1] == f"{tag}x"
        held.run("COMMIT;")
        assert names() == [f"{tag}held", f"{tag}late", f"{tag}t2", f"{tag}t4", f"{tag}t3", f"{tag}x"]
    finally:
        held.close()
        search.close()
    _assert_index_answered(stack, answers0, n, drops0, "searches around a held transaction",
                           {"search": tag, "limit": 100}, lambda d: _names(d) == _oracle(tag))


# ================================================================= 3. deletes

def test_deleted_profiles_drop_the_index_and_it_is_rebuilt(istack):
    """A delete leaves no row to read: the next search sees the removals counter move,
    drops the index and asks the database; the tick loads a new index, which answers again
    (and still catches a change whose transaction was open across the whole reload)."""
    stack = istack.stack
    worker = stack.workers[0]
    tag = _tag()
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT '{tag}_' || g, '{tag}d' || g, TRUE, g FROM generate_series(1, 4) AS g")
    search = _Searcher(stack)
    held = _HeldTransaction()

    def names():
        data = search({"search": tag})
        assert data["total"] == len(data["profiles"]), data
        return _names(data)

    try:
        answers0 = _total(stack, "answers_total")
        assert names() == [f"{tag}d4", f"{tag}d3", f"{tag}d2", f"{tag}d1"]
        h.wait_until(lambda: _total(stack, "answers_total") > answers0, 5, what="the index answering")
        loads0 = _total(stack, "loads_total")
        dropped0 = len(h.log_events(worker, "profile_search.index_dropped"))
        loaded0 = len(h.log_events(worker, "profile_search.index_loaded"))
        held.run(f"BEGIN; UPDATE p2p_profiles SET username = '{tag}dh', avg_rating = 4.5 "
                 f"WHERE username = '{tag}d1';")

        h.psql(f"DELETE FROM p2p_profiles WHERE username = '{tag}d3'")
        (w0,) = _index_metrics(stack).values()
        assert names() == [f"{tag}d4", f"{tag}d2", f"{tag}d1"]
        # that search found the removal, dropped the index and asked the database
        h.wait_until(lambda: len(h.log_events(worker, "profile_search.index_dropped")) > dropped0, 5,
                     what="the index dropped")
        drop = h.log_events(worker, "profile_search.index_dropped")[dropped0]
        assert drop.get("reason") == "profiles deleted", drop
        w1 = h.wait_until(lambda: [w for w in _index_metrics(stack).values()
                                   if w["reads_total"] > w0["reads_total"]], 5, what="the read reported")[0]
        assert w1["answers_total"] == w0["answers_total"], (w0, w1)

        # ... and the tick loads it again, in chunks; the database answers meanwhile
        def reloaded():
            assert names() == [f"{tag}d4", f"{tag}d2", f"{tag}d1"]
            return _total(stack, "loads_total") > loads0 and _total(stack, "profiles") > 0
        h.wait_until(reloaded, 15, what="the index loaded again")
        assert len(h.log_events(worker, "profile_search.index_loaded")) > loaded0

        # the new index answers, right, and catches the transaction open since before it
        drops1 = _drops(stack)
        answers1 = _total(stack, "answers_total")
        assert names() == [f"{tag}d4", f"{tag}d2", f"{tag}d1"]
        held.run("COMMIT;")
        assert names() == [f"{tag}dh", f"{tag}d4", f"{tag}d2"]
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 0.5 WHERE username = '{tag}d4'")
        assert names() == [f"{tag}dh", f"{tag}d2", f"{tag}d4"]
        _assert_index_answered(stack, answers1, 3, drops1, "the rebuilt index", {"search": tag},
                               lambda d: _names(d) == [f"{tag}dh", f"{tag}d2", f"{tag}d4"])
    finally:
        held.close()
        search.close()


def test_a_new_database_connection_drops_the_index_and_it_is_rebuilt(make_stack):
    """Transaction ids mean nothing on another server: a worker whose connection was
    replaced drops its index and loads a new one (here its backend is terminated)."""
    app = "si_" + uuid.uuid4().hex[:12]
    url = os.environ["DATABASE_URL"]
    url += ("&" if "?" in url else "?") + "application_name=" + app
    # the profile worker alone uses the database: its connection is the one named app
    stack = make_stack("search-index-reconnect", workers=1, admin_workers=0, trade_workers=0,
                       env=dict(_ENV, DATABASE_URL=url))
    worker = stack.workers[0]
    tag = _tag()
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT '{tag}_' || g, '{tag}c' || g, TRUE, g FROM generate_series(1, 3) AS g")
    want = [f"{tag}c3", f"{tag}c2", f"{tag}c1"]
    search = _Searcher(stack)
    try:
        assert _names(search({"search": tag})) == want
        backends = h.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE application_name = '{app}'").split()
        assert backends == ["t"], backends
        loads0 = _total(stack, "loads_total")
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 4.0 WHERE username = '{tag}c1'")
        want = [f"{tag}c1", f"{tag}c3", f"{tag}c2"]

        def reloaded():
            # a search may fail while the connection is replaced; a reply is always right
            reply = search.call("profile.search", {"search": tag})
            if reply["success"]:
                assert _names(reply["data"]) == want, reply
            return any(e.get("reason") == "new database connection"
                       for e in h.log_events(worker, "profile_search.index_dropped")) \
                and _total(stack, "loads_total") > loads0
        h.wait_until(reloaded, 15, what="the index dropped and loaded again on the new connection")
        answers0, drops0 = _total(stack, "answers_total"), _drops(stack)
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 0.5 WHERE username = '{tag}c3'")
        assert _names(search({"search": tag})) == [f"{tag}c1", f"{tag}c2", f"{tag}c3"]
        _assert_index_answered(stack, answers0, 1, drops0, "the index on the new connection",
                               {"search": tag}, lambda d: _names(d) == [f"{tag}c1", f"{tag}c2", f"{tag}c3"])
    finally:
        search.close()


# ================================================================= 4. with and without the index

def _seed_world(tag):
    """60 profiles of every kind under tag, a few with capitals; returns nothing (the
    comparison needs no model: the database path is the reference)."""
    ratings = ["0.00", "0.29", "1.15", "2.30", "2.31", "4.10", "4.35", "5.00"]
    h.psql(
        "INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades, "
        "is_verified, is_merchant, is_suspended, suspended_until) "
        f"SELECT '{tag}_' || g, "
        f"CASE WHEN g % 9 = 0 THEN '{tag.upper()}Up' || g WHEN g % 5 = 0 THEN '{tag}_m' || g ELSE '{tag}w' || g END, "
        "g % 11 <> 0, "
        f"(ARRAY[{','.join(ratings)}]::numeric[])[1 + g % {len(ratings)}], "
        "(g * 7) % 4, g % 2 = 0, g % 3 = 0, "
        "g % 7 IN (1, 2, 3), "
        "CASE g % 7 WHEN 1 THEN now() - interval '1 hour' WHEN 2 THEN now() + interval '1 day' "
        "WHEN 4 THEN now() - interval '1 hour' WHEN 5 THEN now() + interval '1 day' END "
        "FROM generate_series(1, 60) AS g")
    # the longest name there can be (30 characters)
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"VALUES ('{tag}_long', '{tag}{'L' * (30 - len(tag))}', TRUE, 3.0)")


def _index_may_answer(data):
    """Whether the index takes this search: text of 3 or more characters, all of them
    username characters (profile_search_index.h); the rest go to the database."""
    text = data.get("search") or ""
    return len(text) >= 3 and all(c.isascii() and (c.isalnum() or c == "_") for c in text)


def _compare(a, b, data, broad=False):
    """The same search on both stacks: identical data. A broad search (matching other
    tests' profiles, which may change under it) is asked once more on a difference."""
    x, y = a(data), b(data)
    if x != y and broad:
        x, y = a(data), b(data)
    assert x == y, (data, x, y)
    return x


def test_the_same_answers_with_and_without_the_index(istack2, dbstack):
    tag = _tag()
    big = _tag("sib")
    _seed_world(tag)
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades, "
           "is_verified, is_merchant) "
           f"SELECT '{big}_' || g, '{big}n' || g, TRUE, (g % 11) * 0.5, g % 5, g % 4 = 0, g % 6 = 0 "
           "FROM generate_series(1, 1100) AS g")
    drops0 = _drops(istack2)
    answers0 = _total(istack2, "answers_total")
    a, b = _Searcher(istack2), _Searcher(dbstack)
    narrow = 0  # searches the index takes
    try:
        # (a 5-character piece of the tag may be in other tests' hex names: broad)
        texts = [(tag, False), (tag.upper(), False), (tag[2:7], True), (tag + "w", False),
                 (tag + "w1", False), (tag.upper() + "UP", False), (tag + "_m", False),
                 (tag + "_", False), (f"{tag}w13", False), (tag + "w" + "9" * 20, False),
                 ("x" * 31, False), (tag + "%", False), (tag + "-", False), (tag + "\u00fc", False),
                 (tag + "L" * (30 - len(tag)), False), (tag[1:] + "l" * (30 - len(tag)), False),
                 ("lll", True), ("_m1", True)]
        filters = [{}, {"is_verified": True}, {"is_verified": False}, {"is_merchant": True},
                   {"is_merchant": False, "is_verified": True}, {"min_rating": 0.29},
                   {"min_rating": 1.15}, {"min_rating": 2.3}, {"min_rating": 2.305},
                   {"min_rating": 4.35}, {"min_rating": 5}, {"min_rating": 4.1, "is_merchant": True},
                   {"limit": 1}, {"limit": 7, "offset": 3}, {"limit": 100}, {"offset": 30},
                   {"offset": 49, "limit": 2}, {"offset": 9999}]
        shown = 0
        for text, broad in texts:
            for f in filters:
                x = _compare(a, b, dict(f, search=text), broad=broad)
                narrow += _index_may_answer({"search": text})
                shown += len(x["profiles"])
        assert shown > 500, shown  # the comparisons were about real pages
        listed = len(_oracle(tag))
        assert _compare(a, b, {"search": tag, "limit": 100})["total"] == listed > 20
        narrow += 1

        # 1-2 characters, no text, and patterns the index refuses: the database answers both
        for data in [{"search": "z"}, {"search": "Q", "limit": 5, "offset": 2}, {"search": "zq"},
                     {"search": "_n", "is_merchant": True}, {"search": "%"}, {"search": ""},
                     {"limit": 3}, {"search": tag[-2:], "min_rating": 4.35},
                     {"search": "si", "limit": 100, "is_verified": True}]:
            _compare(a, b, data, broad=True)

        # more than 1,000 matches past the offset: a lower bound on both
        capped = 0
        for f in [{}, {"offset": 50}, {"offset": 98}, {"offset": 99}, {"offset": 100},
                  {"offset": 101}, {"offset": 1095, "limit": 10}, {"offset": 1100}, {"offset": 1200},
                  {"min_rating": 0.5}, {"min_rating": 1.0, "offset": 40, "limit": 100},
                  {"is_verified": False}, {"is_merchant": False, "offset": 10},
                  {"is_verified": True, "min_rating": 5}]:
            for text in (big, big.upper() + "N", big + "n1"):
                x = _compare(a, b, dict(f, search=text))
                narrow += 1
                capped += x["total_is_lower_bound"] is True
        first = a({"search": big, "limit": 5})
        narrow += 1
        assert first["total"] == 1000 and first["total_is_lower_bound"] is True, first
        tail = a({"search": big, "offset": 100})
        narrow += 1
        assert tail["total"] == 1100 and tail["total_is_lower_bound"] is False, tail
        assert capped >= 8, capped
    finally:
        a.close()
        b.close()
    # the stack with the index answered them (the other never does)
    _assert_index_answered(istack2, answers0, narrow, drops0, "the comparison",
                           {"search": big, "offset": 100},
                           lambda d: d["total"] == 1100 and d["total_is_lower_bound"] is False)
    # the stack without it keeps no index: it reports none, or zeros
    text = h.http_request(dbstack, "GET", "/metrics").body.decode()
    assert 'p2p_worker_requests_total{' in text and 'kind="profile"' in text, text[-2000:]
    lines = [x for x in text.splitlines()
             if x.startswith("p2p_worker_search_index_") and 'kind="profile"' in x]
    assert all(float(x.rsplit(" ", 1)[1]) == 0 for x in lines), lines


# ================================================================= 5. concurrent writers

def test_searches_racing_with_renames_end_on_the_final_state(istack2):
    stack = istack2
    tag = _tag()
    n_profiles = 20
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades) "
           f"SELECT '{tag}_' || g, '{tag}r0_' || g, TRUE, 2.5, g FROM generate_series(1, {n_profiles}) AS g")
    ids = [int(x) for x in h.psql(f"SELECT id FROM p2p_profiles WHERE user_id LIKE '{tag}\\_%' ORDER BY id").split()]
    assert len(ids) == n_profiles
    stop = threading.Event()
    errors = []
    searched = [0]

    def searcher():
        try:
            search = _Searcher(stack)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            return
        try:
            while not stop.is_set():
                data = search({"search": tag, "limit": 100})
                searched[0] += 1
                # every statement renames whole rows: any snapshot holds all of them
                got = data["profiles"]
                assert data["total"] == n_profiles and len(got) == n_profiles, data
                assert len({p["username"] for p in got}) == n_profiles, data
                assert all(p["username"].startswith(tag + "r") for p in got), data
                ranks = [(-p["avg_rating"], -p["completed_trades"], p["id"]) for p in got]
                assert ranks == sorted(ranks), ranks
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            search.close()

    def writer():
        rng = random.Random()
        writer_tx = _HeldTransaction()
        try:
            for i in range(1, 121):
                if stop.is_set():
                    break
                time.sleep(0.01)
                chosen = rng.sample(ids, 4)
                rating = rng.choice(["1.0", "2.5", "3.75", "4.2"])
                writer_tx.run(f"UPDATE p2p_profiles SET username = '{tag}r{i}_' || id, "
                              f"avg_rating = {rating}, completed_trades = completed_trades + {i % 3} "
                              f"WHERE id IN ({','.join(map(str, chosen))});")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            writer_tx.close()

    answers0 = _total(stack, "answers_total")
    searchers = [threading.Thread(target=searcher) for _ in range(3)]
    for t in searchers:
        t.start()
    w = threading.Thread(target=writer)
    w.start()
    w.join(30)
    stop.set()
    for t in searchers:
        t.join(15)
    assert not w.is_alive() and not any(t.is_alive() for t in searchers)
    assert not errors, errors[:3]
    assert searched[0] >= 30, searched
    h.wait_until(lambda: _total(stack, "answers_total") > answers0, 5, what="the index answering in the race")

    # the final state, on every worker
    want = _oracle(tag)
    assert len(want) == n_profiles and not all(x.startswith(f"{tag}r0_") for x in want), want
    per0 = {k: v["answers_total"] for k, v in _index_metrics(stack).items()}
    assert len(per0) == 2, per0
    search = _Searcher(stack)
    try:
        deadline = time.monotonic() + 15
        both = False
        asked = 0
        while time.monotonic() < deadline:
            for data in search.burst({"search": tag, "limit": 100}, 8):
                asked += 1
                assert _names(data) == want and data["total"] == n_profiles, (asked, data, want)
            for renamed in search.burst({"search": f"{tag}r0_"}, 4):
                assert _names(renamed) == [x for x in want if x.startswith(f"{tag}r0_")], renamed
            per = {k: v["answers_total"] for k, v in _index_metrics(stack).items()}
            if all(per[k] > per0[k] for k in per0):
                both = True
                break
            time.sleep(0.2)
        assert both, ("not every worker's index answered", per0, per)
    finally:
        search.close()
