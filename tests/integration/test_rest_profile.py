"""REST profile endpoints: check, create, get, update, health/ready, unknown paths."""

import json

import pytest

import p2p_harness as h

CREATE = "/api/p2p/profile/create"
PROFILE = "/api/p2p/profile"
CHECK = "/api/p2p/profile/check"


# ------------------------------------------------------------------ health / ready / 404

def test_health_is_plain_text(stack):
    r = h.http_request(stack, "GET", "/p2p/health")
    assert r.status == 200, r
    assert r.content_type.startswith("text/plain"), r.headers
    assert r.body.decode().strip() == "P2P service is running"


def test_ready_with_live_workers(stack):
    r = h.http_request(stack, "GET", "/p2p/ready")
    assert r.status == 200, r


def test_unknown_path_is_404_json_envelope(stack, user):
    r = h.http_request(stack, "GET", "/api/p2p/no-such-thing", token=user.token)
    h.assert_error(r, 404)
    assert r.content_type.startswith("application/json"), r.headers


# ------------------------------------------------------------------ check

def test_check_before_create_has_seed_shape(stranger):
    r = stranger.get(CHECK)
    assert r.status == 200, r
    assert r.content_type.startswith("application/json"), r.headers
    body = r.json
    assert body["success"] is True
    data = body["data"]
    assert data["exists"] is False
    assert data["has_consent"] is False
    assert data["can_connect"] is False
    assert data["message"] == h.SEED_NOT_JOINED_MESSAGE


def test_check_after_create(stack):
    u = h.create_user(stack)
    r = u.get(CHECK)
    assert r.status == 200, r
    data = r.json["data"]
    assert data["exists"] is True
    assert data["profile_id"] == u.profile_id
    assert data["has_consent"] is True
    assert data["is_suspended"] is False
    assert data["can_connect"] is True
    p = data["profile"]
    assert p["id"] == u.profile_id
    assert p["user_id"] == u.user_id
    assert p["username"] == u.profile["username"]
    for key in ("total_trades", "completed_trades", "avg_rating", "is_verified",
                "is_merchant"):
        assert key in p, f"check profile lacks {key}: {p}"


def test_check_suspended_user_cannot_connect(stack):
    u = h.create_user(stack)
    h.db_update_profile(u.user_id, is_suspended=True, suspension_reason="it test")
    data = u.get(CHECK).json["data"]
    assert data["exists"] is True
    assert data["is_suspended"] is True
    assert data["can_connect"] is False


# ------------------------------------------------------------------ create

def test_create_returns_201_and_profile(stranger):
    name = h.new_username("cr")
    r = stranger.post(CREATE, {
        "username": name,
        "phone_number": "+254712345678",
        "email": "trader@example.com",
        "preferred_currency": "KES",
        "preferred_payment_methods": [1, 2, 3],
        "auto_reply_message": "Hello! I'm available to trade.",
        "has_consent": True,
    })
    assert r.status == 201, r
    assert r.content_type.startswith("application/json"), r.headers
    body = r.json
    assert body["success"] is True
    assert body["message"] == h.SEED_CREATED_MESSAGE
    p = body["data"]["profile"]
    assert isinstance(p["id"], int) and p["id"] > 0
    assert p["user_id"] == stranger.user_id
    assert p["username"] == name
    assert p["has_consent"] is True
    for ts in ("consented_at", "joined_at", "created_at"):
        assert isinstance(p.get(ts), str) and p[ts], f"{ts} missing: {p}"
    assert p.get("phone_number") == "+254712345678"
    assert p.get("email") == "trader@example.com"
    assert p.get("total_trades", 0) == 0
    assert p.get("is_verified", False) is False


def test_create_without_username(stranger):
    r = stranger.post(CREATE, {"has_consent": True})
    assert r.status == 201, r
    assert r.json["data"]["profile"]["user_id"] == stranger.user_id


def test_create_persists_to_database(stranger):
    name = h.new_username("db")
    r = stranger.post(CREATE, {"username": name, "has_consent": True})
    assert r.status == 201, r
    row = h.db_profile(stranger.user_id)
    assert row is not None
    assert row["username"] == name
    assert row["has_consent"] is True
    assert row["consented_at"] is not None


@pytest.mark.parametrize("body", [{"has_consent": False}, {}, {"username": "nocons_x1"}],
                         ids=["false", "empty", "missing"])
def test_create_without_consent_is_400_seed_error(stranger, body):
    r = stranger.post(CREATE, body)
    h.assert_error(r, 400, error=h.SEED_NO_CONSENT_ERROR)
    assert stranger.get(CHECK).json["data"]["exists"] is False


def test_create_twice_is_409(user):
    r = user.post(CREATE, {"has_consent": True, "username": h.new_username()})
    h.assert_error(r, 409, error=h.SEED_PROFILE_EXISTS_ERROR)


def test_duplicate_username_any_case_is_409(stack, stranger):
    first = h.create_user(stack, username=h.new_username("Dup"))
    taken = first.profile["username"]
    for variant in (taken, taken.upper(), taken.lower(), taken.swapcase()):
        r = stranger.post(CREATE, {"has_consent": True, "username": variant})
        h.assert_error(r, 409)
    assert stranger.get(CHECK).json["data"]["exists"] is False


def test_create_unknown_field_is_400_naming_it(stranger):
    r = stranger.post(CREATE, {"has_consent": True, "favourite_colour": "blue"})
    h.assert_error(r, 400, field="favourite_colour")
    assert stranger.get(CHECK).json["data"]["exists"] is False


@pytest.mark.parametrize("field,value", [
    ("user_id", "someone_else"),
    ("id", 1),
    ("is_verified", True),
    ("is_merchant", True),
    ("is_suspended", False),
    ("total_trades", 100),
    ("completed_trades", 100),
    ("avg_rating", 5.0),
    ("total_reviews", 3),
    ("metadata", {"a": 1}),
])
def test_create_cannot_set_protected_fields(stranger, field, value):
    r = stranger.post(CREATE, {"has_consent": True, field: value})
    h.assert_error(r, 400)
    assert stranger.get(CHECK).json["data"]["exists"] is False
    assert h.db_profile(stranger.user_id) is None


# Each contract validation rule; the same table is reused for PUT and profile.update.
INVALID_FIELDS = [
    ("username", "ab"),
    ("username", "a" * 31),
    ("username", "bad-name"),
    ("username", "bad name"),
    ("username", "caf\u00e9_1"),
    ("username", ""),
    ("email", "no-at-sign.example.com"),
    ("email", "a@nodot"),
    ("email", "a@@example.com"),
    ("email", "x" * 250 + "@example.com"),
    ("phone_number", "254712345678"),
    ("phone_number", "+123456"),
    ("phone_number", "+1234567890123456"),
    ("phone_number", "+2547abc5678"),
    ("preferred_currency", "kes"),
    ("preferred_currency", "KE"),
    ("preferred_currency", "ABCDEFGHIJK"),
    ("preferred_currency", "K3S"),
    ("preferred_payment_methods", [0]),
    ("preferred_payment_methods", [-1]),
    ("preferred_payment_methods", [1, 1]),
    ("preferred_payment_methods", list(range(1, 22))),
    ("preferred_payment_methods", ["a"]),
    ("preferred_payment_methods", [1.5]),
    ("preferred_payment_methods", "1,2"),
    ("auto_reply_message", "x" * 501),
    ("profile_picture_url", "ftp://example.com/a.png"),
    ("profile_picture_url", "javascript:alert(1)"),
    ("profile_picture_url", "https://example.com/" + "a" * 481),
    ("username", 5),
    ("email", 5),
    ("auto_reply_message", ["x"]),
    ("phone_number", True),
]


def _ids(cases):
    return [f"{f}={json.dumps(v)[:24]}" for f, v in cases]


@pytest.mark.parametrize("field,value", INVALID_FIELDS, ids=_ids(INVALID_FIELDS))
def test_create_validation_names_field(stranger, field, value):
    r = stranger.post(CREATE, {"has_consent": True, field: value})
    h.assert_error(r, 400, field=field)
    assert h.db_profile(stranger.user_id) is None


def test_create_has_consent_wrong_type_is_400(stranger):
    r = stranger.post(CREATE, {"has_consent": "yes"})
    h.assert_error(r, 400)
    assert h.db_profile(stranger.user_id) is None


VALID_EDGES = [
    ("username", "30 chars"),
    ("phone_number", "+1234567"),
    ("phone_number", "+123456789012345"),
    ("preferred_currency", "ABCDEFGHIJ"),
    ("preferred_currency", "USD"),
    ("preferred_payment_methods", list(range(1, 21))),
    ("preferred_payment_methods", []),
    ("auto_reply_message", "x" * 500),
    ("auto_reply_message", "\u00e9" * 500),  # 500 characters, 1000 bytes
    ("email", "first.last@sub.example.org"),
]


@pytest.mark.parametrize("field,value", VALID_EDGES, ids=_ids(VALID_EDGES))
def test_create_accepts_boundary_values(stranger, field, value):
    if field == "username":
        value = ("Mx_" + h.new_user_id()[3:])[:30]  # unique per run, exactly 30 chars
        assert len(value) == 30
    r = stranger.post(CREATE, {"has_consent": True, field: value})
    assert r.status == 201, f"{field}={value!r}: {r!r}"
    assert r.json["data"]["profile"].get(field, value) == value
    assert h.db_profile(stranger.user_id) is not None


def test_create_accepts_three_char_username(stack):
    # Three-character names are a scarce space; try a few until one is free.
    import random
    import string
    alphabet = string.ascii_letters + string.digits + "_"
    for _ in range(20):
        u = h.User(stack)
        name = "".join(random.choice(alphabet) for _ in range(3))
        r = u.post(CREATE, {"has_consent": True, "username": name})
        if r.status == 201:
            assert r.json["data"]["profile"]["username"] == name
            return
        h.assert_error(r, 409)
    pytest.fail("every 3-char username tried was taken")


def test_create_body_not_json_is_400(stranger):
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token,
                       raw=b"{this is not json")
    h.assert_error(r, 400)


@pytest.mark.parametrize("raw", [b"[1,2,3]", b'"has_consent"', b"true", b"null", b""],
                         ids=["array", "string", "bool", "null", "empty"])
def test_create_body_not_object_is_400(stranger, raw):
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token, raw=raw)
    h.assert_error(r, 400)
    assert h.db_profile(stranger.user_id) is None


def test_create_invalid_utf8_is_400(stranger):
    raw = b'{"has_consent": true, "auto_reply_message": "bad \xff\xfe bytes"}'
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token, raw=raw)
    h.assert_error(r, 400)
    assert h.db_profile(stranger.user_id) is None


def test_create_nul_character_is_400(stranger):
    raw = b'{"has_consent": true, "auto_reply_message": "a\\u0000b"}'
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token, raw=raw)
    h.assert_error(r, 400)
    assert h.db_profile(stranger.user_id) is None


def test_create_body_over_64k_is_413(stranger):
    body = json.dumps({"has_consent": True, "auto_reply_message": "x" * (70 * 1024)})
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token,
                       raw=body.encode())
    h.assert_error(r, 413)
    assert h.db_profile(stranger.user_id) is None


def test_create_body_just_under_64k_is_validated_not_413(stranger):
    body = json.dumps({"has_consent": True, "auto_reply_message": "x" * (60 * 1024)})
    r = h.http_request(stranger.stack, "POST", CREATE, token=stranger.token,
                       raw=body.encode())
    h.assert_error(r, 400, field="auto_reply_message")


# ------------------------------------------------------------------ get

def test_get_before_create_is_404(stranger):
    h.assert_error(stranger.get(PROFILE), 404)


def test_get_returns_own_private_fields(stack):
    u = h.create_user(stack, phone_number="+254700000001", email="me@example.com",
                      preferred_currency="KES")
    r = u.get(PROFILE)
    assert r.status == 200, r
    body = r.json
    assert body["success"] is True
    p = body["data"]["profile"]
    assert p["id"] == u.profile_id
    assert p["user_id"] == u.user_id
    assert p["username"] == u.profile["username"]
    assert p["phone_number"] == "+254700000001"
    assert p["email"] == "me@example.com"
    assert p["preferred_currency"] == "KES"
    assert p["has_consent"] is True
    for key in ("total_trades", "completed_trades", "cancelled_trades", "avg_rating",
                "total_reviews", "is_verified", "is_merchant", "is_suspended",
                "joined_at", "created_at", "updated_at"):
        assert key in p, f"profile lacks {key}: {p}"


def test_get_reflects_database_stats(user):
    h.db_update_profile(user.user_id, total_trades=15, completed_trades=14,
                        cancelled_trades=1, avg_rating=4.8, total_reviews=12,
                        is_verified=True)
    p = user.get(PROFILE).json["data"]["profile"]
    assert p["total_trades"] == 15
    assert p["completed_trades"] == 14
    assert p["cancelled_trades"] == 1
    assert float(p["avg_rating"]) == pytest.approx(4.8)
    assert p["total_reviews"] == 12
    assert p["is_verified"] is True


def test_last_active_at_set_after_rest_call(stack):
    u = h.User(stack)
    h.db_insert_profile(u.user_id, username=h.new_username("la"), has_consent=True,
                        consented_at=h.Raw("now()"))
    assert h.db_profile(u.user_id)["last_active_at"] is None
    assert u.get(PROFILE).status == 200

    def active():
        return u.get(PROFILE).json["data"]["profile"].get("last_active_at")
    h.wait_until(active, 3, interval=0.2, what="last_active_at set after a REST call")


# ------------------------------------------------------------------ update

def test_put_partial_update(stack):
    u = h.create_user(stack, email="keep@example.com", phone_number="+254711111111")
    new_name = h.new_username("upd")
    r = u.put(PROFILE, {"username": new_name, "preferred_currency": "USD",
                        "profile_picture_url": "https://example.com/new-avatar.jpg",
                        "preferred_payment_methods": [1, 3, 5],
                        "auto_reply_message": "Updated auto-reply message"})
    assert r.status == 200, r
    body = r.json
    assert body["success"] is True
    assert body["message"] == "Profile updated successfully"
    p = body["data"]["profile"]
    assert p["id"] == u.profile_id
    assert p["username"] == new_name
    assert p.get("preferred_currency", "USD") == "USD"
    assert isinstance(p.get("updated_at"), str) and p["updated_at"]
    # Untouched fields are kept; the new ones are persisted.
    after = u.get(PROFILE).json["data"]["profile"]
    assert after["username"] == new_name
    assert after["preferred_currency"] == "USD"
    assert after["profile_picture_url"] == "https://example.com/new-avatar.jpg"
    assert after["email"] == "keep@example.com"
    assert after["phone_number"] == "+254711111111"
    row = h.db_profile(u.user_id)
    assert row["preferred_payment_methods"] == [1, 3, 5]
    assert row["auto_reply_message"] == "Updated auto-reply message"


def test_put_changes_updated_at(user):
    h.db_update_profile(user.user_id, updated_at=h.Raw("now() - interval '1 day'"))
    before = h.db_profile(user.user_id)["updated_at"]
    r = user.put(PROFILE, {"auto_reply_message": "new"})
    assert r.status == 200, r
    assert h.db_profile(user.user_id)["updated_at"] != before


def test_put_contact_fields(user):
    r = user.put(PROFILE, {"phone_number": "+254798765432", "email": "newemail@example.com"})
    assert r.status == 200, r
    p = r.json["data"]["profile"]
    assert p["phone_number"] == "+254798765432"
    assert p["email"] == "newemail@example.com"


def test_put_accepts_500_char_picture_url(user):
    url = "https://example.com/" + "a" * 480
    assert len(url) == 500
    r = user.put(PROFILE, {"profile_picture_url": url})
    assert r.status == 200, r
    assert user.get(PROFILE).json["data"]["profile"]["profile_picture_url"] == url


def test_put_same_username_is_allowed(user):
    r = user.put(PROFILE, {"username": user.profile["username"]})
    assert r.status == 200, r


def test_put_before_create_is_404(stranger):
    h.assert_error(stranger.put(PROFILE, {"auto_reply_message": "hi"}), 404)


def test_put_username_taken_is_409(user, other_user):
    taken = other_user.profile["username"]
    for variant in (taken, taken.upper()):
        h.assert_error(user.put(PROFILE, {"username": variant}), 409)
    assert user.get(PROFILE).json["data"]["profile"]["username"] == user.profile["username"]


@pytest.mark.parametrize("field,value", INVALID_FIELDS, ids=_ids(INVALID_FIELDS))
def test_put_validation_names_field(user, field, value):
    before = h.db_snapshot(user.user_id)
    h.assert_error(user.put(PROFILE, {field: value}), 400, field=field)
    assert h.db_snapshot(user.user_id) == before


def test_put_unknown_field_is_400_naming_it(user):
    h.assert_error(user.put(PROFILE, {"shoe_size": 42}), 400, field="shoe_size")


@pytest.mark.parametrize("field,value", [
    ("user_id", "someone_else"), ("id", 99), ("is_verified", True), ("is_merchant", True),
    ("is_suspended", True), ("total_trades", 50), ("avg_rating", 5), ("has_consent", False),
    ("suspended_until", None), ("created_at", "2020-01-01T00:00:00Z"),
])
def test_put_cannot_set_protected_fields(user, field, value):
    before = h.db_snapshot(user.user_id)
    h.assert_error(user.put(PROFILE, {field: value}), 400)
    assert h.db_snapshot(user.user_id) == before


def test_put_invalid_field_changes_nothing(user):
    """One bad field rejects the whole update, the good fields included."""
    before = h.db_snapshot(user.user_id)
    r = user.put(PROFILE, {"auto_reply_message": "would be fine", "email": "broken"})
    h.assert_error(r, 400, field="email")
    assert h.db_snapshot(user.user_id) == before


def test_put_body_not_json_is_400(user):
    r = h.http_request(user.stack, "PUT", PROFILE, token=user.token, raw=b"not json")
    h.assert_error(r, 400)


def test_put_nul_character_is_400(user):
    r = h.http_request(user.stack, "PUT", PROFILE, token=user.token,
                       raw=b'{"auto_reply_message": "nul\\u0000here"}')
    h.assert_error(r, 400)


def test_put_invalid_utf8_is_400(user):
    r = h.http_request(user.stack, "PUT", PROFILE, token=user.token,
                       raw=b'{"auto_reply_message": "\xc3\x28"}')
    h.assert_error(r, 400)


def test_put_body_over_64k_is_413(user):
    r = h.http_request(user.stack, "PUT", PROFILE, token=user.token,
                       raw=json.dumps({"auto_reply_message": "y" * 70000}).encode())
    h.assert_error(r, 413)


def test_suspended_user_cannot_update_but_can_read(user):
    h.db_update_profile(user.user_id, is_suspended=True, suspension_reason="it test")
    h.assert_error(user.put(PROFILE, {"auto_reply_message": "let me"}), 403)
    assert h.db_profile(user.user_id)["auto_reply_message"] is None
    r = user.get(PROFILE)
    assert r.status == 200, r
    assert r.json["data"]["profile"]["is_suspended"] is True


def test_expired_suspension_no_longer_blocks_update(user):
    h.db_update_profile(user.user_id, is_suspended=True,
                        suspended_until=h.Raw("now() - interval '1 hour'"))
    r = user.put(PROFILE, {"auto_reply_message": "back again"})
    assert r.status == 200, r


# ------------------------------------------------------------------ keep-alive

def _raw_responses(sock, count, timeout=10):
    """Read count HTTP/1.1 responses (Content-Length framed) off sock: [(status line, body)]."""
    sock.settimeout(timeout)
    buf, out = b"", []
    while len(out) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            assert chunk, f"the connection closed after {len(out)} of {count} responses"
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        length = next(int(v) for k, _, v in (ln.partition(b":") for ln in lines[1:])
                      if k.strip().lower() == b"content-length")
        while len(buf) < length:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed inside a body"
            buf += chunk
        out.append((lines[0].decode(), json.loads(buf[:length])))
        buf = buf[length:]
    return out


def test_a_keep_alive_connection_answers_pipelined_then_sequential_requests(stack):
    """A worker's REST reply is written as soon as it arrives (not a loop turn later), and
    the connection then takes its next request: requests pipelined in one write are all
    answered in order, the same connection keeps serving one request at a time, and a
    request that asks to close gets its answer before the close."""
    import socket
    u = h.create_user(stack)
    other = h.create_user(stack)
    req = (f"GET {PROFILE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {u.token}\r\n\r\n").encode()
    check = (f"GET {CHECK} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {other.token}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", stack.port)) as s:
        s.sendall((req + check) * 10)
        replies = _raw_responses(s, 20)
        for i, (status, body) in enumerate(replies):
            assert status == "HTTP/1.1 200 OK", (i, status, body)
            if i % 2 == 0:
                assert body["data"]["profile"]["id"] == u.profile_id, (i, body)
            else:
                assert body["data"]["profile_id"] == other.profile_id, (i, body)
        for i in range(30):
            s.sendall(req)
            (status, body), = _raw_responses(s, 1)
            assert status == "HTTP/1.1 200 OK" and body["data"]["profile"]["id"] == u.profile_id, (i, status, body)
        s.sendall(req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        (status, body), = _raw_responses(s, 1)
        assert status == "HTTP/1.1 200 OK" and body["data"]["profile"]["id"] == u.profile_id, body
        s.settimeout(10)
        assert s.recv(1) == b"", "the connection stays open after Connection: close"
