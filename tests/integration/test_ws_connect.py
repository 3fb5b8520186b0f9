"""The WebSocket connect flow: connected message, connection errors, last_active_at."""

import re

import pytest

import p2p_harness as h


@pytest.mark.parametrize("via", ["query", "header"])
def test_connected_message(stack, user, via):
    async def go():
        s = await h.ws_open(stack, user.token, via=via)
        msg = await s.recv()
        await s.close()
        return msg
    msg = h.run(go(), timeout=20)
    assert msg.get("type") == "connected", msg
    assert msg.get("success") is True, msg
    assert msg.get("message") == "Connected to P2P service", msg
    data = msg.get("data") or {}
    assert data.get("profile_id") == user.profile_id, msg
    assert data.get("user_id") == user.user_id, msg
    assert data.get("username") == user.profile["username"], msg


def _expect_connection_error(stack, user_id, error):
    async def go():
        s = await h.ws_open(stack, stack.token(user_id))
        msg = await s.recv()
        code = await s.expect_closed(timeout=5)
        return msg, code
    msg, code = h.run(go(), timeout=20)
    assert msg.get("type") == "connection_error", msg
    # a refusal (the user's own state) is a policy violation; the client must not retry
    assert code == 1008, f"closed with {code}, not 1008"
    assert msg.get("success") is False, msg
    assert msg.get("error") == error, msg
    assert isinstance(msg.get("message"), str) and msg["message"], msg
    return msg


def test_no_profile_gets_not_joined_then_close(stack, stranger):
    msg = _expect_connection_error(stack, stranger.user_id, "NOT_JOINED_P2P")
    assert msg["message"] == ("You have not joined P2P trading yet. "
                              "Please create a P2P profile first.")


def test_no_consent_gets_consent_required_then_close(stack):
    uid = h.new_user_id()
    h.db_insert_profile(uid, username=h.new_username("nc"), has_consent=False)
    msg = _expect_connection_error(stack, uid, "CONSENT_REQUIRED")
    assert msg["message"] == ("You must accept the P2P trading terms and conditions "
                              "before connecting.")


def test_suspended_without_end_gets_account_suspended(stack, user):
    h.db_update_profile(user.user_id, is_suspended=True, suspension_reason="it test",
                        suspended_until=None)
    msg = _expect_connection_error(stack, user.user_id, "ACCOUNT_SUSPENDED")
    assert msg.get("suspended_until") is None


def test_suspended_until_future_carries_the_date(stack, user):
    h.db_update_profile(user.user_id, is_suspended=True, suspension_reason="it test",
                        suspended_until=h.Raw("now() + interval '2 days'"))
    msg = _expect_connection_error(stack, user.user_id, "ACCOUNT_SUSPENDED")
    until = msg.get("suspended_until")
    assert isinstance(until, str) and until, msg
    assert re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", until), msg
    year = h.psql("SELECT extract(year FROM suspended_until)::int FROM p2p_profiles "
                  f"WHERE user_id = {h.sql_literal(user.user_id)}").strip()
    assert until.startswith(year), (until, year)


def test_suspension_in_the_past_connects_normally(stack, user):
    h.db_update_profile(user.user_id, is_suspended=True, suspension_reason="old",
                        suspended_until=h.Raw("now() - interval '1 hour'"))

    async def go():
        s = await h.ws_session(stack, user.user_id)
        reply = await s.call("profile.get")
        await s.close()
        return reply
    reply = h.run(go(), timeout=20)
    assert reply["success"] is True, reply


def test_connection_errors_do_not_leave_the_gateway_broken(stack, stranger, user):
    async def go():
        for _ in range(5):
            s = await h.ws_open(stack, stranger.token)
            assert (await s.recv())["error"] == "NOT_JOINED_P2P"
            await s.expect_closed()
        s = await h.ws_session(stack, user.user_id)
        reply = await s.call("profile.get")
        await s.close()
        return reply
    assert h.run(go(), timeout=40)["success"] is True


def test_same_user_two_sessions(stack, user):
    async def go():
        a = await h.ws_session(stack, user.user_id)
        b = await h.ws_session(stack, user.user_id)
        ra = await a.call("profile.get")
        rb = await b.call("profile.get")
        await a.close()
        await b.close()
        return ra, rb
    ra, rb = h.run(go(), timeout=20)
    assert ra["success"] is True and rb["success"] is True
    assert ra["data"]["id"] == rb["data"]["id"] == user.profile_id


def test_last_active_at_set_after_ws_connect(stack):
    uid = h.new_user_id()
    h.db_insert_profile(uid, username=h.new_username("wsla"), has_consent=True,
                        consented_at=h.Raw("now()"))
    assert h.db_profile(uid)["last_active_at"] is None

    async def go():
        s = await h.ws_session(stack, uid)
        try:
            h.wait_until(lambda: h.db_profile(uid)["last_active_at"], 3, interval=0.2,
                         what="last_active_at set after a WebSocket connect")
        finally:
            await s.close()
    h.run(go(), timeout=20)
    # And it is visible through the API too.
    p = h.User(stack, user_id=uid).get("/api/p2p/profile").json["data"]["profile"]
    assert p["last_active_at"]


def test_a_plain_get_of_the_websocket_path(stack, user):
    """Without an upgrade the path is still behind auth (401 without a token, like every
    /api/p2p route); with a valid token it says what it is for: 426 with Upgrade: websocket."""
    r = h.http_request(stack, "GET", "/api/p2p/ws")
    h.assert_error(r, 401)
    r = h.http_request(stack, "GET", "/api/p2p/ws", token="not-a-token")
    h.assert_error(r, 401)
    r = h.http_request(stack, "GET", "/api/p2p/ws", token=user.token)
    assert r.status == 426 and r.json["code"] == "UPGRADE_REQUIRED", r
    assert r.headers.get("upgrade", "").lower() == "websocket", r.headers
    h.assert_error(h.http_request(stack, "POST", "/api/p2p/ws", token=user.token, json_body={}), 405)
