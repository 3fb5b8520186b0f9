"""profile.search answers kept by the profile workers (common/answer_cache.h):
served again while they hold, and never once they do not: a change by the service (profile
edit, admin suspension, verification), a change made by hand in the database, the end of a
suspension, and a change that races with the searches themselves.

The "shows at once" tests run on one profile worker, and each first proves (the hit
counters, /metrics) that the answer it is about to invalidate was being served from the
cache; the race runs on two workers, and a stack without a cache answers the same."""

import asyncio
import datetime
import threading
import uuid

import pytest

import p2p_harness as h

ADMIN = "/api/p2p/admin"
ADMIN_ID = "it_admin_" + uuid.uuid4().hex[:12]


_ENV = {"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "100"}


@pytest.fixture(scope="module")
def cstack():
    s = h.Stack("search-cache", workers=1, env=_ENV)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cstack2():
    s = h.Stack("search-cache-2", workers=2, env=_ENV)
    yield s
    s.stop()


def _admin(stack, method, path, body=h._NO_BODY):
    return h.http_request(stack, method, ADMIN + path, token=stack.admin_token(ADMIN_ID),
                          json_body=body)


def _tag():
    # usernames are [A-Za-z0-9_]: "sc" + hex never occurs in other tests' names
    return "sc" + uuid.uuid4().hex[:10]


def _seed(tag, n, rating=3.0):
    h.psql("INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT '{tag}_' || g, '{tag}' || g, TRUE, {rating} FROM generate_series(1, {n}) AS g")


def _cache_counts(stack):
    """(hits, misses) of the profile workers; asserts the workers report them at all."""
    text = h.http_request(stack, "GET", "/metrics").body.decode()
    hits = misses = 0.0
    assert 'p2p_worker_listing_cache_hits_total{' in text and 'kind="profile"' in text, text[-2000:]
    for line in text.splitlines():
        if 'kind="profile"' not in line:
            continue
        if line.startswith("p2p_worker_listing_cache_hits_total{"):
            hits += float(line.rsplit(" ", 1)[1])
        elif line.startswith("p2p_worker_listing_cache_misses_total{"):
            misses += float(line.rsplit(" ", 1)[1])
    return hits, misses


def _searcher(stack):
    """A session's search as a plain function: names of the profiles a search returns."""
    user = h.create_user(stack)
    loop = asyncio.new_event_loop()
    session = loop.run_until_complete(h.ws_session(stack, user.user_id))

    def search(data):
        reply = loop.run_until_complete(session.call("profile.search", data))
        assert reply["success"] is True, reply
        return reply["data"]

    def close():
        loop.run_until_complete(session.close())
        loop.close()
    _STACK[search] = stack
    return search, close


def _names(data):
    return sorted(p["username"] for p in data["profiles"])


_STACK = {}  # the stack a searcher was made for, by its search function


def _warm(search, data, times=6, cached=True):
    """The same search a few times; on one worker every one after the first must be
    served from the cache (checked on the hit counter)."""
    stack = _STACK[search]
    hits0 = _cache_counts(stack)[0]
    first = search(data)
    for _ in range(times - 1):
        assert search(data) == first
    if cached and stack.n_workers == 1:
        h.wait_until(lambda: _cache_counts(stack)[0] - hits0 >= times - 1, 5, what="the answer served from the cache")
    return first


def _version():
    return int(h.psql("SELECT sum(profiles) FROM p2p_change_versions").strip())


def test_repeated_searches_are_answered_from_the_cache(cstack):
    tag = _tag()
    _seed(tag, 5)
    search, close = _searcher(cstack)
    try:
        hits0, _ = _cache_counts(cstack)
        first = _warm(search, {"search": tag, "limit": 3}, times=10)
        assert len(first["profiles"]) == 3 and first["total"] == 5
        # another page and another filter are other answers, not the cached one
        assert len(search({"search": tag, "limit": 3, "offset": 3})["profiles"]) == 2
        assert search({"search": tag, "min_rating": 4})["profiles"] == []
    finally:
        close()
    # ten identical searches over two workers: at least eight came from a cache
    h.wait_until(lambda: _cache_counts(cstack)[0] - hits0 >= 8, 5, what="cache hits reported")


def test_admin_suspension_and_its_lifting_show_at_once(cstack):
    tag = _tag()
    _seed(tag, 3)
    search, close = _searcher(cstack)
    try:
        data = {"search": tag}
        before = _warm(search, data)
        assert len(before["profiles"]) == 3
        victim = before["profiles"][0]
        r = _admin(cstack, "POST", f"/profiles/{victim['id']}/suspend", {"reason": "it: cache"})
        assert r.status == 200, r
        after = search(data)
        assert victim["username"] not in _names(after) and after["total"] == 2, after
        _warm(search, data)
        r = _admin(cstack, "POST", f"/profiles/{victim['id']}/unsuspend", {})
        assert r.status == 200, r
        assert victim["username"] in _names(search(data))
    finally:
        close()


def test_a_suspension_that_ends_shows_the_profile_again_at_its_end(cstack):
    tag = _tag()
    _seed(tag, 2)
    search, close = _searcher(cstack)
    try:
        data = {"search": tag}
        victim = _warm(search, data)["profiles"][0]
        until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
        r = _admin(cstack, "POST", f"/profiles/{victim['id']}/suspend",
                   {"reason": "it: cache", "until": until.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"})
        assert r.status == 200, r
        # searched again and again while suspended (the answer is kept), then past its end
        seen_back = h.first_shown_after(until, lambda: victim["username"] in _names(search(data)),
                                        "a suspended profile")
        # back within moments of the end, not after the cache's maximum age (10 s)
        assert (seen_back - until).total_seconds() < 1.0, (seen_back, until)
    finally:
        close()


def test_changes_made_in_the_database_by_hand_show_at_once(cstack):
    tag = _tag()
    _seed(tag, 3, rating=2.0)
    search, close = _searcher(cstack)
    try:
        high = {"search": tag, "min_rating": 4.5}
        everyone = {"search": tag}
        assert _warm(search, high)["profiles"] == []
        _warm(search, everyone)
        h.psql(f"UPDATE p2p_profiles SET avg_rating = 4.9 WHERE username = '{tag}2'")
        assert _names(search(high)) == [f"{tag}2"]
        _warm(search, high)
        h.psql(f"UPDATE p2p_profiles SET username = '{tag}x' WHERE username = '{tag}2'")
        assert _names(search(high)) == [f"{tag}x"]
        _warm(search, everyone)
        h.psql(f"DELETE FROM p2p_profiles WHERE username = '{tag}1'")
        assert _names(search(everyone)) == [f"{tag}3", f"{tag}x"]
        h.psql(f"INSERT INTO p2p_profiles (user_id, username, has_consent) VALUES ('{tag}_n', '{tag}n', TRUE)")
        assert f"{tag}n" in _names(search(everyone))
        _warm(search, everyone)
        h.psql(f"UPDATE p2p_profiles SET has_consent = FALSE WHERE username = '{tag}n'")
        assert f"{tag}n" not in _names(search(everyone))
    finally:
        close()


def test_private_fields_and_activity_leave_the_version_alone(cstack):
    tag = _tag()
    _seed(tag, 2)
    before = _version()
    h.psql(f"UPDATE p2p_profiles SET phone_number = '+4915112345678', last_active_at = now(), "
           f"metadata = '{{\"k\": 1}}' WHERE username LIKE '{tag}%'")
    # a field rewritten with its own value is no change either
    h.psql(f"UPDATE p2p_profiles SET avg_rating = avg_rating, username = username WHERE username LIKE '{tag}%'")
    assert _version() == before
    h.psql(f"UPDATE p2p_profiles SET total_reviews = total_reviews + 1 WHERE username = '{tag}1'")
    assert _version() > before
    # a rolled-back change counts nothing
    moved = _version()
    h.psql(f"BEGIN; UPDATE p2p_profiles SET is_merchant = TRUE WHERE username = '{tag}1'; ROLLBACK")
    assert _version() == moved


def test_profile_edit_by_its_owner_shows_at_once(cstack):
    owner = h.create_user(cstack)
    old = owner.profile["username"]
    search, close = _searcher(cstack)
    try:
        assert _names(_warm(search, {"search": old})) == [old]
        new = "scn" + uuid.uuid4().hex[:12]
        _warm(search, {"search": new})
        r = owner.put("/api/p2p/profile", {"username": new})
        assert r.status == 200, r
        assert search({"search": old})["profiles"] == []
        assert _names(search({"search": new})) == [new]
    finally:
        close()


def test_verification_racing_with_searches_is_never_missed(cstack2):
    """An admin flips a profile's verification 30 times while four sessions search for
    verified profiles back to back. After each flip is acknowledged, a search must agree
    with it, on whichever worker it lands: a cached answer from before the flip never
    comes back."""
    tag = _tag()
    _seed(tag, 1)
    pid = int(h.psql(f"SELECT id FROM p2p_profiles WHERE username = '{tag}1'").strip())
    data = {"search": tag, "is_verified": True}
    stop = threading.Event()
    errors = []

    def hammer():
        search, close = _searcher(cstack2)
        try:
            while not stop.is_set():
                search(data)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    check, close = _searcher(cstack2)
    try:
        for i in range(30):
            verified = i % 2 == 0
            r = _admin(cstack2, "POST", f"/profiles/{pid}/verify", {"verified": verified})
            assert r.status == 200, r
            for _ in range(3):  # both workers, whichever answers
                shown = _names(check(data))
                assert shown == ([f"{tag}1"] if verified else []), (i, verified, shown)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        close()
    assert not errors, errors
    # the race was with kept answers, not around them
    assert _cache_counts(cstack2)[0] > 0


def test_a_worker_without_a_cache_answers_the_same(make_stack):
    s = make_stack("search-nocache", workers=1,
                   env={"P2P_LISTING_CACHE_ENTRIES": "0", "P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "100"})
    tag = _tag()
    _seed(tag, 4)
    search, close = _searcher(s)
    try:
        first = _warm(search, {"search": tag, "limit": 2}, cached=False)
        assert len(first["profiles"]) == 2 and first["total"] == 4
    finally:
        close()
    h.wait_until(lambda: _served(s) >= 6, 5, what="searches reported")
    assert _cache_counts(s) == (0, 0)  # reported, and zero


def _served(stack):
    text = h.http_request(stack, "GET", "/metrics").body.decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("p2p_worker_requests_total{") and 'kind="profile"' in line)
