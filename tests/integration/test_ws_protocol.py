"""WebSocket messages: profile.get/update/stats/search, request ids, concurrency,
malformed messages, unknown and placeholder types."""

import asyncio
import json
import uuid

import pytest

import p2p_harness as h


def with_session(stack, user_id, body, timeout=30):
    """Run `await body(session)` inside a connected session for user_id."""
    async def go():
        s = await h.ws_session(stack, user_id)
        try:
            return await body(s)
        finally:
            await s.close()
    return h.run(go(), timeout=timeout)


def assert_public_only(profile):
    for key in h.PRIVATE_FIELDS:
        assert key not in profile, f"private field {key} exposed: {profile}"


async def still_works(s, profile_id):
    reply = await s.call("profile.get")
    assert reply.get("success") is True, f"session broken after an error: {reply}"
    assert reply["data"]["id"] == profile_id


# ------------------------------------------------------------------ profile.get

@pytest.mark.parametrize("data", [h._DEFAULT, {}], ids=["no-data", "empty-data"])
def test_get_own_profile(stack, data):
    u = h.create_user(stack, phone_number="+254712345678", email="own@example.com")

    async def body(s):
        return await s.call("profile.get", data)
    reply = with_session(stack, u.user_id, body)
    assert reply["type"] == "profile.get"
    assert reply["success"] is True, reply
    p = reply["data"]
    assert p["id"] == u.profile_id
    assert p["user_id"] == u.user_id
    assert p["username"] == u.profile["username"]
    assert p["phone_number"] == "+254712345678"
    assert p["email"] == "own@example.com"
    for key in ("total_trades", "completed_trades", "avg_rating", "is_verified"):
        assert key in p, f"{key} missing: {p}"


def test_get_other_profile_is_public_only(stack, user):
    other = h.create_user(stack, phone_number="+254799999999", email="secret@example.com",
                          preferred_payment_methods=[1, 2])
    h.db_update_profile(other.user_id, metadata={"kyc": "secret"},
                        suspension_reason="should not leak", total_trades=15,
                        completed_trades=14, avg_rating=4.8, is_verified=True)

    async def body(s):
        return await s.call("profile.get", {"profile_id": other.profile_id})
    reply = with_session(stack, user.user_id, body)
    assert reply["success"] is True, reply
    p = reply["data"]
    assert p["id"] == other.profile_id
    assert p["username"] == other.profile["username"]
    assert p["total_trades"] == 15
    assert p["completed_trades"] == 14
    assert float(p["avg_rating"]) == pytest.approx(4.8)
    assert p["is_verified"] is True
    assert_public_only(p)
    text = json.dumps(reply)
    assert "+254799999999" not in text and "secret@example.com" not in text
    assert "should not leak" not in text and "kyc" not in text


def test_get_own_profile_by_id(stack, user):
    async def body(s):
        return await s.call("profile.get", {"profile_id": user.profile_id})
    reply = with_session(stack, user.user_id, body)
    assert reply["success"] is True, reply
    assert reply["data"]["id"] == user.profile_id


def test_get_unknown_profile_id_fails(stack, user):
    async def body(s):
        r = await s.call("profile.get", {"profile_id": 2 ** 62})
        await still_works(s, user.profile_id)
        return r
    reply = h.assert_ws_error(with_session(stack, user.user_id, body), "profile.get")
    # not found, not any error (SERVICE_UNAVAILABLE would pass "fails" too)
    assert reply["error"] == "Profile not found", reply


@pytest.mark.parametrize("bad", ["abc", -1, 0, 1.5, True, [1], {"id": 1}],
                         ids=["string", "negative", "zero", "float", "bool", "list", "obj"])
def test_get_bad_profile_id_names_it(stack, user, bad):
    async def body(s):
        r = await s.call("profile.get", {"profile_id": bad})
        await still_works(s, user.profile_id)
        return r
    h.assert_ws_error(with_session(stack, user.user_id, body), "profile.get",
                      field="profile_id")


@pytest.mark.parametrize("cols", [{"has_consent": False},
                                  {"has_consent": True, "consented_at": h.Raw("now()"),
                                   "is_suspended": True, "suspension_reason": "reason text",
                                   "suspended_until": h.Raw("now() + interval '1 day'")}],
                         ids=["without-consent", "suspended"])
def test_get_other_users_without_consent_or_suspended(stack, user, cols):
    """Looking up someone else's profile by id, whether they never consented or are
    suspended, answers with its public fields only: never a private one."""
    uid = h.new_user_id()
    pid = h.db_insert_profile(uid, username=h.new_username("pc"), email="hidden@example.com",
                              phone_number="+254700000001", **cols)

    async def body(s):
        return await s.call("profile.get", {"profile_id": pid})
    reply = with_session(stack, user.user_id, body)
    assert reply.get("type") == "profile.get", reply
    assert reply.get("success") is True, reply
    assert reply["data"]["id"] == pid, reply
    assert_public_only(reply["data"])
    text = json.dumps(reply)
    for secret in ("reason text", "hidden@example.com", "+254700000001"):
        assert secret not in text, f"{secret!r} leaked: {reply}"


# ------------------------------------------------------------------ profile.update

def test_update(stack, user):
    new_name = h.new_username("wsu")

    async def body(s):
        return await s.call("profile.update", {"username": new_name,
                                               "phone_number": "+254712345678",
                                               "auto_reply_message": "Available for trades"})
    reply = with_session(stack, user.user_id, body)
    assert reply["type"] == "profile.update"
    assert reply["success"] is True, reply
    assert reply["message"] == "Profile updated successfully"
    d = reply["data"]
    assert d["id"] == user.profile_id
    assert d["username"] == new_name
    assert d["phone_number"] == "+254712345678"
    assert isinstance(d.get("updated_at"), str) and d["updated_at"]
    row = h.db_profile(user.user_id)
    assert row["username"] == new_name
    assert row["auto_reply_message"] == "Available for trades"
    # REST sees the same data.
    assert user.get("/api/p2p/profile").json["data"]["profile"]["username"] == new_name


def test_update_taken_username(stack, user, other_user):
    async def body(s):
        r1 = await s.call("profile.update", {"username": other_user.profile["username"]})
        r2 = await s.call("profile.update",
                          {"username": other_user.profile["username"].upper()})
        await still_works(s, user.profile_id)
        return r1, r2
    for r in with_session(stack, user.user_id, body):
        h.assert_ws_error(r, "profile.update")
        assert "username already taken" in r["error"], r
    assert h.db_profile(user.user_id)["username"] == user.profile["username"]


VALIDATION = [
    ("username", "x"), ("username", "has space"), ("email", "nope"),
    ("phone_number", "0712345678"), ("preferred_currency", "usd"),
    ("preferred_payment_methods", [2, 2]), ("preferred_payment_methods", [0]),
    ("auto_reply_message", "z" * 501), ("profile_picture_url", "file:///etc/passwd"),
    ("username", 12345),
]


@pytest.mark.parametrize("field,value", VALIDATION,
                         ids=[f"{f}={json.dumps(v)[:20]}" for f, v in VALIDATION])
def test_update_validation_names_field(stack, user, field, value):
    before = h.db_snapshot(user.user_id)

    async def body(s):
        r = await s.call("profile.update", {field: value})
        await still_works(s, user.profile_id)
        return r
    h.assert_ws_error(with_session(stack, user.user_id, body), "profile.update", field=field)
    assert h.db_snapshot(user.user_id) == before


@pytest.mark.parametrize("field,value", [("nickname", "x"), ("user_id", "other"),
                                         ("is_verified", True), ("total_trades", 9),
                                         ("avg_rating", 5)])
def test_update_rejects_unknown_and_protected_fields(stack, user, field, value):
    before = h.db_snapshot(user.user_id)

    async def body(s):
        r = await s.call("profile.update", {field: value})
        await still_works(s, user.profile_id)
        return r
    # Unknown fields are named; protected ones only have to be refused.
    h.assert_ws_error(with_session(stack, user.user_id, body), "profile.update",
                      field=field if field == "nickname" else None)
    assert h.db_snapshot(user.user_id) == before


def test_update_nul_character_rejected(stack, user):
    async def body(s):
        r = await s.call("profile.update", {"auto_reply_message": "a\u0000b"})
        await still_works(s, user.profile_id)
        return r
    h.assert_ws_error(with_session(stack, user.user_id, body), "profile.update")
    assert h.db_profile(user.user_id)["auto_reply_message"] is None


# ------------------------------------------------------------------ profile.stats

STATS_KEYS = ("total_trades", "completed_trades", "cancelled_trades", "completion_rate",
              "avg_rating", "total_reviews")


def test_stats_own(stack, user):
    h.db_update_profile(user.user_id, total_trades=15, completed_trades=14,
                        cancelled_trades=1, avg_rating=4.8, total_reviews=12)

    async def body(s):
        return await s.call("profile.stats")
    reply = with_session(stack, user.user_id, body)
    assert reply["type"] == "profile.stats"
    assert reply["success"] is True, reply
    d = reply["data"]
    for key in STATS_KEYS:
        assert key in d, f"{key} missing: {d}"
    assert d["total_trades"] == 15
    assert d["completed_trades"] == 14
    assert d["cancelled_trades"] == 1
    assert d["completion_rate"] == pytest.approx(93.33, abs=1e-9)
    assert float(d["avg_rating"]) == pytest.approx(4.8)
    assert d["total_reviews"] == 12


def test_stats_no_trades_is_zero_rate(stack, user):
    async def body(s):
        return await s.call("profile.stats", {})
    d = with_session(stack, user.user_id, body)["data"]
    assert d["total_trades"] == 0
    assert d["completion_rate"] == 0


@pytest.mark.parametrize("total,completed,rate", [(3, 2, 66.67), (3, 1, 33.33), (8, 1, 12.5),
                                                  (7, 7, 100), (6, 0, 0), (9, 8, 88.89)])
def test_stats_completion_rate_rounding(stack, user, total, completed, rate):
    h.db_update_profile(user.user_id, total_trades=total, completed_trades=completed)

    async def body(s):
        return await s.call("profile.stats")
    d = with_session(stack, user.user_id, body)["data"]
    assert d["completion_rate"] == pytest.approx(rate, abs=1e-9)


def test_stats_of_other_profile(stack, user, other_user):
    h.db_update_profile(other_user.user_id, total_trades=4, completed_trades=3,
                        cancelled_trades=1, avg_rating=3.5, total_reviews=2)

    async def body(s):
        return await s.call("profile.stats", {"profile_id": other_user.profile_id})
    reply = with_session(stack, user.user_id, body)
    assert reply["success"] is True, reply
    d = reply["data"]
    assert (d["total_trades"], d["completed_trades"], d["cancelled_trades"]) == (4, 3, 1)
    assert d["completion_rate"] == pytest.approx(75)
    assert float(d["avg_rating"]) == pytest.approx(3.5)
    assert d["total_reviews"] == 2


def test_stats_unknown_or_bad_profile_id(stack, user):
    async def body(s):
        r1 = await s.call("profile.stats", {"profile_id": 2 ** 62})
        r2 = await s.call("profile.stats", {"profile_id": "x"})
        await still_works(s, user.profile_id)
        return r1, r2
    r1, r2 = with_session(stack, user.user_id, body)
    h.assert_ws_error(r1, "profile.stats")
    h.assert_ws_error(r2, "profile.stats", field="profile_id")


# ------------------------------------------------------------------ profile.search

class SearchWorld:
    """Profiles whose usernames share a unique tag, with varied flags and ratings."""

    def __init__(self, stack):
        self.tag = uuid.uuid4().hex[:8]
        t = self.tag
        self.visible = {}
        specs = [  # (username, is_verified, avg_rating)
            (f"sA{t}_one", True, 4.9),
            (f"SA{t.upper()}_two", False, 4.2),
            (f"x{t}y", True, 3.1),
            (f"{t}_four", False, 0.0),
            (f"Z{t}", True, 4.5),
        ]
        for name, verified, rating in specs:
            u = h.create_user(stack, username=name, email=f"{name}@example.com",
                              phone_number="+254700000000")
            h.db_update_profile(u.user_id, is_verified=verified, avg_rating=rating)
            self.visible[name] = (u, verified, rating)
        # Matching names that must never be returned.
        self.suspended = h.create_user(stack, username=f"susp{t}")
        h.db_update_profile(self.suspended.user_id, is_suspended=True, is_verified=True,
                            avg_rating=5.0)
        self.no_consent_name = f"nocon{t}"
        h.db_insert_profile(h.new_user_id(), username=self.no_consent_name,
                            has_consent=False, is_verified=True, avg_rating=5.0)


@pytest.fixture(scope="module")
def world(stack):
    return SearchWorld(stack)


def search(stack, user_id, data):
    async def body(s):
        return await s.call("profile.search", data)
    reply = with_session(stack, user_id, body)
    assert reply["type"] == "profile.search"
    assert reply["success"] is True, reply
    return reply["data"]


def names(data):
    return sorted(p["username"] for p in data["profiles"])


def test_search_by_text_case_insensitive_substring(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag.upper(), "limit": 50})
    assert names(d) == sorted(world.visible), d
    assert d["total"] == len(world.visible)


def test_search_results_are_public_only(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag, "limit": 50})
    assert d["profiles"], d
    for p in d["profiles"]:
        assert_public_only(p)
        for key in ("id", "username", "avg_rating", "is_verified"):
            assert key in p, f"{key} missing in search result {p}"
    assert "@example.com" not in json.dumps(d)


def test_search_excludes_suspended_and_unconsented(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag, "limit": 50})
    found = names(d)
    assert world.suspended.profile["username"] not in found
    assert world.no_consent_name not in found


def test_search_expired_suspension_is_listed(stack, user):
    tag = uuid.uuid4().hex[:8]
    u = h.create_user(stack, username=f"exp{tag}")
    h.db_update_profile(u.user_id, is_suspended=True,
                        suspended_until=h.Raw("now() - interval '1 day'"))
    d = search(stack, user.user_id, {"search": tag})
    assert names(d) == [f"exp{tag}"]


def test_search_is_verified_filter(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag, "is_verified": True, "limit": 50})
    want = sorted(n for n, (_, v, _) in world.visible.items() if v)
    assert names(d) == want
    assert d["total"] == len(want)
    assert all(p["is_verified"] is True for p in d["profiles"])


def test_search_min_rating_filter(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag, "min_rating": 4.0, "limit": 50})
    want = sorted(n for n, (_, _, r) in world.visible.items() if r >= 4.0)
    assert names(d) == want
    assert d["total"] == len(want)
    assert all(float(p["avg_rating"]) >= 4.0 for p in d["profiles"])


def test_search_combined_filters(stack, user, world):
    d = search(stack, user.user_id, {"search": world.tag, "is_verified": True,
                                     "min_rating": 4.0, "limit": 20, "offset": 0})
    want = sorted(n for n, (_, v, r) in world.visible.items() if v and r >= 4.0)
    assert names(d) == want
    assert d["total"] == len(want)


def test_search_paging(stack, user, world):
    n = len(world.visible)
    pages = []
    for offset in range(0, n + 2, 2):
        d = search(stack, user.user_id, {"search": world.tag, "limit": 2, "offset": offset})
        assert d["total"] == n, d
        assert len(d["profiles"]) == max(0, min(2, n - offset)), (offset, d)
        pages.extend(p["username"] for p in d["profiles"])
    assert sorted(pages) == sorted(world.visible), "pages overlap or miss profiles"


def test_search_no_match(stack, user):
    d = search(stack, user.user_id, {"search": "nomatch" + uuid.uuid4().hex[:10]})
    assert d["profiles"] == []
    assert d["total"] == 0


@pytest.mark.parametrize("data,field", [
    ({"limit": -1}, "limit"), ({"offset": -5}, "offset"), ({"limit": "ten"}, "limit"),
    ({"min_rating": "high"}, "min_rating"), ({"is_verified": "yes"}, "is_verified"),
    ({"search": 42}, "search"),
])
def test_search_bad_filters_name_the_field(stack, user, data, field):
    async def body(s):
        r = await s.call("profile.search", data)
        await still_works(s, user.profile_id)
        return r
    h.assert_ws_error(with_session(stack, user.user_id, body), "profile.search", field=field)


def test_search_wildcards_are_literal(stack, user, world):
    d = search(stack, user.user_id, {"search": "%", "limit": 5})
    assert all("%" in p["username"] for p in d["profiles"]), d
    d = search(stack, user.user_id, {"search": world.tag[:4] + "_" + world.tag[5:]})
    assert d["total"] == 0, "'_' in the search text was treated as a wildcard"


# ------------------------------------------------------------------ request ids, concurrency

def test_request_id_echoed_on_success_and_errors(stack, user):
    async def body(s):
        out = {}
        for rid, msg in [
            ("ok-1", {"type": "profile.get"}),
            ("bad-id", {"type": "profile.get", "data": {"profile_id": "nope"}}),
            ("unknown", {"type": "xyz"}),
            ("placeholder", {"type": "ad.create", "data": {}}),
            ("validation", {"type": "profile.update", "data": {"email": "bad"}}),
            ("x" * 64, {"type": "profile.stats"}),
            ("\U0001f600" * 64, {"type": "profile.stats"}),  # 64 characters, 256 bytes
        ]:
            msg["request_id"] = rid
            await s.send_json(msg)
            out[rid] = await s.recv()
        return out
    out = with_session(stack, user.user_id, body)
    for rid, reply in out.items():
        assert reply.get("request_id") == rid, reply
    assert out["ok-1"]["success"] is True
    assert out["bad-id"]["success"] is False
    assert out["unknown"]["error"] == "Unknown message type: xyz"
    assert out["placeholder"]["type"] == "ad.create"
    assert out["validation"]["success"] is False


def test_request_id_echoed_on_missing_type(stack, user):
    async def body(s):
        await s.send_json({"request_id": "no-type", "data": {}})
        return await s.recv()
    reply = with_session(stack, user.user_id, body)
    assert reply.get("type") == "error", reply
    assert reply.get("success") is False, reply
    assert reply.get("error") == "Invalid message format", reply
    assert reply.get("request_id") == "no-type", reply


def test_reply_without_request_id_has_none(stack, user):
    async def body(s):
        await s.send("profile.get")
        return await s.recv()
    reply = with_session(stack, user.user_id, body)
    assert reply["success"] is True
    assert "request_id" not in reply or reply["request_id"] in (None, ""), reply


def test_twenty_requests_in_flight(stack, user, other_user):
    h.db_update_profile(user.user_id, total_trades=10, completed_trades=9)

    async def body(s):
        sent = {}
        for i in range(20):
            rid = f"fl-{i}-{uuid.uuid4().hex[:6]}"
            if i % 3 == 0:
                msg = {"type": "profile.stats"}
            elif i % 3 == 1:
                msg = {"type": "profile.get"}
            else:
                msg = {"type": "profile.get", "data": {"profile_id": other_user.profile_id}}
            msg["request_id"] = rid
            sent[rid] = msg
        await asyncio.gather(*(s.send_json(m) for m in sent.values()))
        got = {}
        while len(got) < len(sent):
            reply = await s.recv(timeout=10)
            rid = reply.get("request_id")
            assert rid in sent, f"reply with unknown request_id: {reply}"
            assert rid not in got, f"two replies for {rid}"
            got[rid] = reply
        return sent, got
    sent, got = with_session(stack, user.user_id, body, timeout=40)
    for rid, msg in sent.items():
        reply = got[rid]
        assert reply["type"] == msg["type"], (msg, reply)
        assert reply["success"] is True, reply
        if msg["type"] == "profile.stats":
            assert reply["data"]["completion_rate"] == pytest.approx(90)
        elif "data" in msg:
            assert reply["data"]["id"] == other_user.profile_id
            assert_public_only(reply["data"])
        else:
            assert reply["data"]["id"] == user.profile_id


def test_two_clients_see_their_own_data(stack):
    a = h.create_user(stack, email="alice_own@example.com")
    b = h.create_user(stack, email="bob_own@example.com")

    async def go():
        sa = await h.ws_session(stack, a.user_id)
        sb = await h.ws_session(stack, b.user_id)
        try:
            async def hammer(s, n):
                replies = []
                for _ in range(n):
                    replies.append(await s.call("profile.get"))
                return replies
            ra, rb = await asyncio.gather(hammer(sa, 15), hammer(sb, 15))
        finally:
            await sa.close()
            await sb.close()
        return ra, rb
    ra, rb = h.run(go(), timeout=60)
    assert all(r["success"] and r["data"]["user_id"] == a.user_id and
               r["data"]["email"] == "alice_own@example.com" for r in ra), ra
    assert all(r["success"] and r["data"]["user_id"] == b.user_id and
               r["data"]["email"] == "bob_own@example.com" for r in rb), rb


# ------------------------------------------------------------------ malformed / unknown

@pytest.mark.parametrize("text", ["{not json", "[1,2,3]", "42", '"profile.get"', "null",
                                  '{"data": {}}', "", '{"type": null}'],
                         ids=["bad-json", "array", "number", "string", "null",
                              "missing-type", "empty", "null-type"])
def test_invalid_message_format(stack, user, text):
    async def body(s):
        await s.send_text(text)
        r = await s.recv()
        await still_works(s, user.profile_id)
        return r
    reply = with_session(stack, user.user_id, body)
    assert reply.get("type") == "error", reply
    assert reply.get("success") is False, reply
    assert reply.get("error") == "Invalid message format", reply


def test_unknown_type(stack, user):
    async def body(s):
        await s.send("xyz", {})
        r = await s.recv()
        await still_works(s, user.profile_id)
        return r
    reply = with_session(stack, user.user_id, body)
    assert reply.get("type") == "error", reply
    assert reply.get("success") is False, reply
    assert reply.get("error") == "Unknown message type: xyz", reply


def test_unknown_internal_types_not_reachable(stack, user):
    """Types the gateway uses internally are not WebSocket message types."""
    async def body(s):
        out = []
        for t in ("profile.create", "profile.check", "profile.me", "profile.put",
                  "session.open"):
            await s.send(t, {})
            out.append((t, await s.recv()))
        await still_works(s, user.profile_id)
        return out
    for t, reply in with_session(stack, user.user_id, body):
        assert reply.get("type") == "error", reply
        assert reply.get("error") == f"Unknown message type: {t}", reply


# Every trading message type the seed names: a worker answers it (a field error for an
# empty request, or data), never the seed's "not yet implemented" placeholder.
SEED_TRADING_TYPES = (
    "ad.create", "ad.delete", "ad.list", "ad.my_ads", "ad.update",
    "chat.get_messages", "chat.mark_read", "chat.send_message",
    "dispute.get", "dispute.raise", "notification.list", "notification.mark_read",
    "order.cancel", "order.confirm_payment", "order.create", "order.get", "order.list",
    "order.release_crypto", "review.create", "review.list",
)


@pytest.mark.parametrize("type_", SEED_TRADING_TYPES)
def test_seed_trading_types_are_served_not_placeholders(stack, user, type_):
    async def body(s):
        await s.send(type_, {})
        r = await s.recv()
        await still_works(s, user.profile_id)
        return r
    reply = with_session(stack, user.user_id, body)
    assert reply.get("type") == type_, reply
    assert "not yet implemented" not in json.dumps(reply).lower(), reply
    assert reply.get("code") != "NOT_IMPLEMENTED", reply
    if reply.get("success") is False:
        # the worker judged the request: the field it needs, named
        assert reply.get("code") == "INVALID_REQUEST" and "field '" in reply.get("error", ""), reply
