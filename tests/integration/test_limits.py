"""Limits: per-user rate limit (REST and WebSocket) and the 64 KiB WebSocket frame cap.
(The 64 KiB REST body cap is in test_rest_profile.py.)"""

import asyncio
import json
import time

import pytest

import p2p_harness as h

LIMIT = 5


@pytest.fixture(scope="module")
def limited():
    """A stack allowing 5 requests per user per minute. Profiles are created on the
    default stack (same database) so that creating them does not use up the budget."""
    s = h.Stack("ratelimit", workers=1, env={"P2P_RATE_LIMIT_PER_MIN": str(LIMIT)},
                probe="user")
    yield s
    s.stop()


def on(stack, user):
    """The same user, with a token for another stack (same secret)."""
    return h.User(stack, user_id=user.user_id, profile=user.profile)


def test_rest_sixth_request_is_429_with_retry_after(stack, limited):
    u = on(limited, h.create_user(stack))
    for i in range(LIMIT):
        r = u.get("/api/p2p/profile")
        assert r.status == 200, f"request {i + 1} of {LIMIT}: {r!r}"
    r = u.get("/api/p2p/profile")
    h.assert_error(r, 429)
    retry = r.headers.get("retry-after")
    assert retry is not None, f"no Retry-After header: {r.headers}"
    assert retry.strip().isdigit(), f"Retry-After is not integer seconds: {retry!r}"
    assert 1 <= int(retry) <= 60, retry
    # Still limited on the next call, and on another route.
    assert u.get("/api/p2p/profile/check").status == 429


def test_rest_rate_limit_is_per_user(stack, limited):
    a = on(limited, h.create_user(stack))
    b = on(limited, h.create_user(stack))
    for _ in range(LIMIT + 1):
        a.get("/api/p2p/profile")
    assert a.get("/api/p2p/profile").status == 429
    r = b.get("/api/p2p/profile")
    assert r.status == 200, r
    assert r.json["data"]["profile"]["user_id"] == b.user_id


def test_rest_limited_write_changes_nothing(stack, limited):
    u = on(limited, h.create_user(stack))
    for _ in range(LIMIT):
        u.get("/api/p2p/profile/check")
    r = u.put("/api/p2p/profile", {"auto_reply_message": "over the limit"})
    h.assert_error(r, 429)
    assert h.db_profile(u.user_id)["auto_reply_message"] is None


def test_ws_over_limit_message_is_rate_limited_and_session_stays(stack, limited):
    u = h.create_user(stack)

    async def go():
        s = await h.ws_session(limited, u.user_id)
        replies = []
        try:
            for _ in range(LIMIT + 1):
                replies.append(await s.call("profile.get"))
            # The session is still open: further messages get answers, not a close.
            after = await s.call("profile.stats")
            assert s.ws.open, "session closed after RATE_LIMITED"
            pong = await s.ws.ping()
            await asyncio.wait_for(pong, 5)
        finally:
            await s.close()
        return replies, after
    replies, after = h.run(go(), timeout=40)
    # CONTRACT: the budget counts REST calls and WS messages; opening the session is
    # neither, so all LIMIT messages are inside it and the (LIMIT+1)th is over it.
    for r in replies[:LIMIT]:
        assert r["success"] is True, replies
    last = replies[LIMIT]
    assert last.get("type") == "profile.get", last
    assert last.get("success") is False, last
    assert last.get("error") == "RATE_LIMITED", last
    assert after.get("type") == "profile.stats", after
    assert after.get("success") is False and after.get("error") == "RATE_LIMITED", after


def test_rest_and_ws_share_one_budget(stack, limited):
    u = on(limited, h.create_user(stack))
    for _ in range(3):
        assert u.get("/api/p2p/profile/check").status == 200

    async def go():
        s = await h.ws_session(limited, u.user_id)
        try:
            return [await s.call("profile.get") for _ in range(3)]
        finally:
            await s.close()
    replies = h.run(go(), timeout=30)
    # 3 REST calls + 3 messages (the upgrade is not a request): the 2nd message is the 5th
    # request of the minute, the 3rd the 6th.
    assert replies[1]["success"] is True, replies
    assert replies[2].get("error") == "RATE_LIMITED", replies


def test_upgrades_have_a_budget_of_their_own(stack, limited):
    """A client that reconnects in a loop is refused (429) past LIMIT upgrades a minute,
    and those upgrades cost none of its requests: REST still answers."""
    u = on(limited, h.create_user(stack))

    async def go():
        for _ in range(LIMIT):
            s = await h.ws_session(limited, u.user_id)
            await s.close()
    h.run(go(), timeout=30)
    sock, status, _ = h.raw_ws_handshake(limited, f"/api/p2p/ws?token={u.token}")
    sock.close()
    assert status == 429, status
    assert u.get("/api/p2p/profile").status == 200


def test_unlimited_stack_does_not_limit(stack, user):
    """The default stack runs with P2P_RATE_LIMIT_PER_MIN=0: no limit at all."""
    for _ in range(30):
        assert user.get("/api/p2p/profile/check").status == 200


# ------------------------------------------------------------------ frame size

def test_ws_frame_over_64k_closes_with_1009(stack, user, other_user):
    big = json.dumps({"type": "profile.update",
                      "data": {"auto_reply_message": "x" * (65 * 1024)}})
    assert len(big) > 64 * 1024

    async def go():
        bystander = await h.ws_session(stack, other_user.user_id)
        s = await h.ws_session(stack, user.user_id)
        try:
            await s.send_text(big)
            code = await s.expect_closed(timeout=5)
            # Other sessions and the gateway are unaffected.
            reply = await bystander.call("profile.get")
        finally:
            await s.close()
            await bystander.close()
        return code, reply
    code, reply = h.run(go(), timeout=30)
    assert code == 1009, f"close code {code}"
    assert reply["success"] is True
    assert h.db_profile(user.user_id)["auto_reply_message"] is None


def test_ws_frame_under_64k_is_processed(stack, user):
    text = json.dumps({"type": "profile.update", "request_id": "big-ok",
                       "data": {"auto_reply_message": "x" * (60 * 1024)}})
    assert len(text) < 64 * 1024

    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            await s.send_text(text)
            reply = await s.recv()
            ok = await s.call("profile.get")
        finally:
            await s.close()
        return reply, ok
    reply, ok = h.run(go(), timeout=30)
    h.assert_ws_error(reply, "profile.update", field="auto_reply_message")
    assert reply.get("request_id") == "big-ok"
    assert ok["success"] is True


def test_ws_many_small_messages_fast(stack, user):
    """A burst of 200 messages on one session is answered in full, in bounded time."""
    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            t0 = time.monotonic()
            for i in range(200):
                await s.send("profile.stats", {}, request_id=f"b{i}")
            seen = set()
            while len(seen) < 200:
                m = await s.recv(timeout=10)
                assert m.get("success") is True, m
                seen.add(m.get("request_id"))
            return time.monotonic() - t0, seen
        finally:
            await s.close()
    elapsed, seen = h.run(go(), timeout=60)
    assert seen == {f"b{i}" for i in range(200)}
    assert elapsed < 30, elapsed
