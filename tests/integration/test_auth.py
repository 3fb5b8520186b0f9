"""JWT authentication on REST and on the WebSocket upgrade, and tokens kept out of logs."""

import time

import pytest
import websockets.exceptions

import p2p_harness as h

CHECK = "/api/p2p/profile/check"
PROFILE = "/api/p2p/profile"


def _bad_tokens():
    """(id, Authorization header value or None) for every way a token can be wrong."""
    now = int(time.time())
    uid = h.new_user_id()
    return [
        ("no-header", None),
        ("not-bearer", "Token " + h.make_token(uid)),
        ("bearer-empty", "Bearer "),
        ("malformed", "Bearer not.a.jwt"),
        ("garbage", "Bearer abc"),
        ("two-parts", "Bearer " + ".".join(h.make_token(uid).split(".")[:2])),
        ("bad-signature", "Bearer " + h.make_token(uid, secret="wrong-secret-" + "x" * 40)),
        ("tampered-payload", "Bearer " + _tampered(uid)),
        ("alg-none", "Bearer " + h.make_token(uid, alg="none")),
        ("alg-HS512", "Bearer " + h.make_token(uid, alg="HS512")),
        ("alg-HS384", "Bearer " + h.make_token(uid, alg="HS384")),
        ("missing-exp", "Bearer " + h.make_token(uid, exp=None)),
        ("expired", "Bearer " + h.make_token(uid, exp=now - 120)),
        ("nbf-future", "Bearer " + h.make_token(uid, nbf=now + 600)),
        ("no-user-id-no-sub", "Bearer " + h.make_token(None)),
        ("empty-user-id", "Bearer " + h.make_token("")),
    ]


def _tampered(uid):
    """A token signed for one user whose payload was swapped for another's."""
    good = h.make_token(uid).split(".")
    other = h.make_token(h.new_user_id()).split(".")
    return ".".join([good[0], other[1], good[2]])


BAD = _bad_tokens()


@pytest.mark.parametrize("auth", [a for _, a in BAD], ids=[i for i, _ in BAD])
def test_rest_rejects_bad_token_with_401(stack, auth):
    headers = {"Authorization": auth} if auth is not None else {}
    r = h.http_request(stack, "GET", CHECK, headers=headers)
    h.assert_error(r, 401, error="UNAUTHORIZED")
    assert r.content_type.startswith("application/json"), r.headers


@pytest.mark.parametrize("method,path", [
    ("GET", PROFILE), ("PUT", PROFILE), ("POST", "/api/p2p/profile/create"), ("GET", CHECK),
])
def test_every_profile_route_requires_auth(stack, method, path):
    body = {"has_consent": True} if method != "GET" else h._NO_BODY
    r = h.http_request(stack, method, path, json_body=body)
    h.assert_error(r, 401, error="UNAUTHORIZED")


def test_unauthorized_create_creates_nothing(stack):
    uid = h.new_user_id()
    token = h.make_token(uid, secret="not-the-secret-" + "z" * 40)
    r = h.http_request(stack, "POST", "/api/p2p/profile/create", token=token,
                       json_body={"has_consent": True})
    h.assert_error(r, 401, error="UNAUTHORIZED")
    assert h.db_profile(uid) is None


def test_nbf_in_past_is_accepted(stack):
    uid = h.new_user_id()
    token = h.make_token(uid, nbf=int(time.time()) - 60)
    r = h.http_request(stack, "GET", CHECK, token=token)
    assert r.status == 200, r


def test_sub_alone_is_the_user_id(stack):
    uid = h.new_user_id()
    sub_token = h.make_token(None, sub=uid)
    r = h.http_request(stack, "POST", "/api/p2p/profile/create", token=sub_token,
                       json_body={"has_consent": True, "username": h.new_username("sub")})
    assert r.status == 201, r
    assert r.json["data"]["profile"]["user_id"] == uid
    # The same user, named by user_id this time, sees that profile.
    r = h.http_request(stack, "GET", PROFILE, token=h.make_token(uid))
    assert r.status == 200, r
    assert r.json["data"]["profile"]["user_id"] == uid


def test_user_id_wins_over_sub(stack):
    owner = h.create_user(stack)
    someone = h.new_user_id()
    token = h.make_token(owner.user_id, sub=someone)
    r = h.http_request(stack, "GET", CHECK, token=token)
    assert r.status == 200, r
    data = r.json["data"]
    assert data["exists"] is True
    assert data["profile_id"] == owner.profile_id
    # And the sub user gets nothing created on their behalf.
    r = h.http_request(stack, "POST", "/api/p2p/profile/create", token=token,
                       json_body={"has_consent": True})
    h.assert_error(r, 409)
    assert h.db_profile(someone) is None


def test_role_claim_does_not_change_user_routes(stack):
    u = h.create_user(stack)
    token = h.make_token(u.user_id, extra={"role": "admin"})
    r = h.http_request(stack, "GET", PROFILE, token=token)
    assert r.status == 200, r
    assert r.json["data"]["profile"]["user_id"] == u.user_id


def test_users_are_isolated(stack):
    a = h.create_user(stack, email="a_isolated@example.com")
    b = h.create_user(stack, email="b_isolated@example.com")
    pa = a.get(PROFILE).json["data"]["profile"]
    pb = b.get(PROFILE).json["data"]["profile"]
    assert pa["user_id"] == a.user_id and pa["email"] == "a_isolated@example.com"
    assert pb["user_id"] == b.user_id and pb["email"] == "b_isolated@example.com"
    assert b.put(PROFILE, {"auto_reply_message": "b only"}).status == 200
    assert h.db_profile(a.user_id)["auto_reply_message"] is None


# ------------------------------------------------------------------ WebSocket upgrade

WS_BAD = [
    ("missing", None),
    ("malformed", "not.a.jwt"),
    ("bad-signature", h.make_token(h.new_user_id(), secret="wrong-" + "s" * 40)),
    ("alg-none", h.make_token(h.new_user_id(), alg="none")),
    ("expired", h.make_token(h.new_user_id(), exp=int(time.time()) - 120)),
    ("missing-exp", h.make_token(h.new_user_id(), exp=None)),
]


@pytest.mark.parametrize("via", ["query", "header"])
@pytest.mark.parametrize("token", [t for _, t in WS_BAD], ids=[i for i, _ in WS_BAD])
def test_ws_upgrade_refused_with_401(stack, token, via):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as info:
            s = await h.ws_open(stack, token, via=via)
            await s.close()
        assert info.value.status_code == 401
    h.run(go(), timeout=20)


def test_ws_expired_token_refused_even_with_profile(stack, user):
    token = h.make_token(user.user_id, exp=int(time.time()) - 5)

    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as info:
            s = await h.ws_open(stack, token)
            await s.close()
        assert info.value.status_code == 401
    h.run(go(), timeout=20)


# ------------------------------------------------------------------ logs

def _wait_logged(proc, event, before, what, **match):
    """Wait until proc's log holds more than `before` lines of event (matching)."""
    h.wait_until(lambda: len(h.log_events(proc, event, **match)) > before, 10,
                 what=f"{what} in {proc.name}'s log")


def test_tokens_never_appear_in_logs(stack, user):
    query_token = stack.token(user.user_id)
    header_token = stack.token(user.user_id, extra={"nonce": h.new_user_id()})
    connected = len(h.log_events(stack.gateway, "ws.connected"))
    refused = len(h.log_events(stack.gateway, "http.unauthorized"))
    reads = len(h.log_events(stack.gateway, "request.done", type="profile.me", channel="rest"))

    async def go():
        s = await h.ws_open(stack, query_token, via="query")
        assert (await s.recv())["type"] == "connected"
        await s.close()
        s = await h.ws_open(stack, header_token, via="header")
        assert (await s.recv())["type"] == "connected"
        await s.close()
    h.run(go(), timeout=30)
    bad = "Bearer " + h.make_token(user.user_id, secret="wrong-" + "q" * 40)
    h.http_request(stack, "GET", CHECK, headers={"Authorization": bad})
    assert user.get(PROFILE).status == 200
    # each of those requests was logged (an absence proves nothing about a silent log)
    h.wait_until(lambda: len(h.log_events(stack.gateway, "ws.connected")) >= connected + 2, 10,
                 what="both sessions' ws.connected in the gateway's log")
    _wait_logged(stack.gateway, "http.unauthorized", refused, "the forged token's refusal")
    _wait_logged(stack.gateway, "request.done", reads, "the REST read", type="profile.me", channel="rest")
    for proc in stack.processes():
        text = proc.log_text()
        for tok in (query_token, header_token, user.token, bad[7:]):
            signature = tok.split(".")[2]
            assert signature not in text, f"a token appears in {proc.name}'s log"


def test_personal_data_never_appears_in_logs(stack):
    phone = "+2547" + str(int(time.time() * 1000))[-8:]
    email = f"{h.new_user_id()}@privacy.example.com"
    done = {st: len(h.log_events(stack.gateway, "request.done", type="profile.put", status=st))
            for st in (200, 400)}
    served = sum(len(h.log_events(w, "request.served", type="profile.put", status=200))
                 for w in stack.workers)
    u = h.create_user(stack, phone_number=phone, email=email)
    assert u.put(PROFILE, {"email": "x" + email}).status == 200
    assert u.put(PROFILE, {"email": "broken-" + email.replace("@", "")}).status == 400
    # the requests carrying the data were logged, by the gateway and by the worker
    for st in (200, 400):
        _wait_logged(stack.gateway, "request.done", done[st], f"the {st} update", type="profile.put",
                     status=st)
    h.wait_until(lambda: sum(len(h.log_events(w, "request.served", type="profile.put", status=200))
                             for w in stack.workers) > served, 10,
                 what="the worker's request.served for the update")
    for proc in stack.processes():
        text = proc.log_text()
        assert phone not in text, f"a phone number appears in {proc.name}'s log"
        assert email.split("@")[0] not in text, f"an email appears in {proc.name}'s log"
