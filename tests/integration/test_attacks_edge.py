"""Attacks on the gateway's client-facing edge (issue 10, items 2-4, 7-12 and 15) and the
per-user event path (issue 11, "Events"). Each test reproduces what an attacker (or a
worker that should not be trusted with an event) did against a running build, and
checks what clients see and what the database holds afterwards."""

import asyncio
import base64
import http.client
import json
import os
import socket
import subprocess
import time

import pytest

import p2p_harness as h

SLOW_REQUEST_START = b"GET /p2p/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


# ------------------------------------------------------------------ helpers

def slow_client(stack, data=SLOW_REQUEST_START):
    """A connection that has sent the start of a request and nothing more."""
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
    if data:
        sock.sendall(data)
    return sock


def is_closed(sock):
    """True when the server has closed sock (EOF or reset), without waiting."""
    sock.setblocking(False)
    try:
        data = sock.recv(65536)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def wait_closed(sock, timeout):
    """Seconds until the server closed sock; AssertionError when it stays open."""
    t0 = time.monotonic()
    h.wait_until(lambda: is_closed(sock), timeout, interval=0.05, what="server closed the connection")
    return time.monotonic() - t0


def read_all(sock, timeout):
    """Everything the server sends until it closes the connection. Raises
    AssertionError when it is still open after timeout (a hung connection)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    buf = b""
    while True:
        if time.monotonic() > deadline:
            raise AssertionError(f"connection still open after {timeout}s; got {buf[:500]!r}")
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            raise AssertionError(f"connection still open after {timeout}s; got {buf[:500]!r}") from None
        except ConnectionResetError:
            return buf
        if not chunk:
            return buf
        buf += chunk


def split_responses(buf):
    """[(status, headers, body)] for each HTTP response in buf (Content-Length framed)."""
    out = []
    while buf:
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        buf = rest[n:]
    return out


def upgrade(stack, token=None, headers=None, path="/api/p2p/ws"):
    """A WebSocket upgrade by hand. Returns (status, headers, body or first frames, sock);
    the caller closes sock."""
    if token:
        path += f"?token={token}"
    sock, status, rest = h.raw_ws_handshake(stack, path, headers=headers)
    return status, rest, sock


def refused_upgrade(stack, token=None, headers=None):
    """An upgrade the gateway must refuse: (status, headers, JSON body)."""
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/api/p2p/ws" + (f"?token={token}" if token else "")
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or []))
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n{extra}"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        sock.settimeout(5)
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            buf += chunk
            responses = split_responses(buf)
            if responses and responses[0][0] == 101:
                break
            if responses and len(responses[0][2]) >= int(responses[0][1].get("content-length", 0)):
                break
        responses = split_responses(buf)
        assert responses, f"no HTTP response to the upgrade: {buf[:300]!r}"
        status, hdrs, body = responses[0]
        return status, hdrs, (json.loads(body) if status != 101 and body else None)
    finally:
        sock.close()


def non_loopback_ipv4():
    """An IPv4 address of this host that is not loopback (the gateway listens on every
    interface). The test needs one: without it there is no way to be a remote peer."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            return parts[parts.index("inet") + 1].split("/")[0]
    raise AssertionError("this host has no non-loopback IPv4 address to connect from:\n" + out)


# ------------------------------------------------------------------ item 2: slow headers

def test_slow_headers_from_one_address_do_not_block_health(make_stack):
    """300 connections from 127.0.0.1 that never finish their headers (the header pool
    was 256): /p2p/health from the same address still answers at once."""
    stack = make_stack("slowhdr", workers=1)
    socks = [slow_client(stack) for _ in range(300)]
    try:
        for attempt in range(3):
            r = h.http_request(stack, "GET", "/p2p/health", timeout=5)
            assert r.status == 200 and r.body == b"P2P service is running", r
            assert r.elapsed < 1.5, f"health took {r.elapsed:.2f}s behind slow headers"
        user = h.User(stack)
        r = h.http_request(stack, "GET", "/api/p2p/profile/check", token=user.token, timeout=5)
        assert r.status == 200, r
    finally:
        for s in socks:
            s.close()


def test_header_deadline_closes_silent_and_trickling_connections(make_stack):
    stack = make_stack("hdrdeadline", workers=1, env={"P2P_HTTP_HEADER_TIMEOUT_S": "2"})
    silent = slow_client(stack, data=b"")
    trickle = slow_client(stack)
    t0 = time.monotonic()
    try:
        # a byte every 0.3 s must not extend the deadline
        while not is_closed(trickle):
            assert time.monotonic() - t0 < 6, "trickled headers kept the connection open"
            try:
                trickle.sendall(b"a")
            except OSError:
                break
            time.sleep(0.3)
        trickled_for = time.monotonic() - t0
        assert trickled_for >= 1.0, f"closed after {trickled_for:.2f}s, before the deadline"
        wait_closed(silent, max(0.5, 6 - (time.monotonic() - t0)))
        assert h.http_request(stack, "GET", "/p2p/health").status == 200
    finally:
        silent.close()
        trickle.close()


def test_address_over_its_cap_loses_its_oldest_waiting_connection(make_stack):
    stack = make_stack("peraddr", workers=1, env={"P2P_HTTP_PENDING_PER_ADDRESS": "4"})
    old = [slow_client(stack) for _ in range(4)]
    try:
        time.sleep(1.2)  # older than the 1 s grace a fresh connection gets
        assert not any(is_closed(s) for s in old), "closed before the cap was passed"
        newer = slow_client(stack)
        wait_closed(old[0], 3)
        assert not any(is_closed(s) for s in old[1:] + [newer]), "closed more than the oldest"
        newest = slow_client(stack)
        wait_closed(old[1], 3)
        assert not is_closed(newer) and not is_closed(newest)
        # and the address is still served
        r = h.http_request(stack, "GET", "/p2p/health", timeout=5)
        assert r.status == 200 and r.elapsed < 1.5, r
        for s in old + [newer, newest]:
            s.close()
    finally:
        for s in old:
            s.close()


def test_address_holds_at_most_eight_times_its_cap_of_waiting_connections(make_stack):
    """A burst faster than the 1 s grace cannot pile up: at 8x the cap the address's
    oldest goes whatever its age, and its newest (a health probe) is still served."""
    stack = make_stack("burstcap", workers=1, env={"P2P_HTTP_PENDING_PER_ADDRESS": "4"})
    socks = []
    try:
        for _ in range(60):
            try:
                socks.append(slow_client(stack))
            except OSError:
                pass
        h.wait_until(lambda: sum(not is_closed(s) for s in socks) <= 32, 5,
                     what="at most 32 waiting connections left open")
        r = h.http_request(stack, "GET", "/p2p/health", timeout=5)
        assert r.status == 200 and r.elapsed < 1.5, r
    finally:
        for s in socks:
            s.close()


def test_burst_of_sessions_from_one_address_all_connect(make_stack):
    """Legitimate clients send their headers at once: a burst of WebSocket upgrades from
    one address, past the per-address cap, is served in full (nobody is evicted)."""
    stack = make_stack("burstok", workers=2, env={"P2P_HTTP_PENDING_PER_ADDRESS": "4"})
    users = [h.create_user(stack) for _ in range(3)]

    async def go():
        sessions = await asyncio.gather(*(h.ws_session(stack, users[i % 3].user_id)
                                          for i in range(30)))
        try:
            return [s.connected["type"] for s in sessions]
        finally:
            await asyncio.gather(*(s.close() for s in sessions))
    kinds = h.run(go(), timeout=60)
    assert kinds == ["connected"] * 30


# ------------------------------------------------------------------ item 3: upgrades

def test_websocket_upgrades_count_against_the_rate_limit(make_stack):
    """Each upgrade writes to the database (session.open): the 4th in a minute at a
    limit of 3 is refused with 429 and Retry-After, before any session exists."""
    stack = make_stack("upgrade-limit", workers=1, env={"P2P_RATE_LIMIT_PER_MIN": "3"})
    token = stack.token(h.new_user_id())
    for i in range(3):
        status, _, sock = upgrade(stack, token)
        sock.close()
        assert status == 101, f"upgrade {i + 1} of 3 refused: {status}"
    status, headers, body = refused_upgrade(stack, token)
    assert status == 429, status
    assert body["code"] == "RATE_LIMITED", body
    assert headers.get("retry-after", "").isdigit(), headers
    assert 1 <= int(headers["retry-after"]) <= 60, headers


def test_sessions_per_user_are_capped(make_stack):
    stack = make_stack("sessioncap", workers=1, env={"P2P_WS_MAX_SESSIONS_PER_USER": "3"})
    user = h.create_user(stack)
    other = h.create_user(stack)

    async def go():
        held = [await h.ws_session(stack, user.user_id) for _ in range(3)]
        try:
            loop = asyncio.get_running_loop()
            fourth = await loop.run_in_executor(None, refused_upgrade, stack, user.token)
            # another user is not affected
            bystander = await h.ws_session(stack, other.user_id)
            await bystander.close()
            # a closed session frees its place
            await held.pop().close()
            deadline = time.monotonic() + 5
            while True:
                try:
                    held.append(await h.ws_session(stack, user.user_id))
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            return fourth
        finally:
            for s in held:
                await s.close()
    status, _, body = h.run(go(), timeout=60)
    assert status == 429, status
    assert body["success"] is False and body["code"] == "TOO_MANY_SESSIONS", body
    assert "3" in body["message"], body


# ------------------------------------------------------------------ item 4: subprotocols

@pytest.mark.parametrize("offered", ["http", "p2p-zmq", "http, p2p", "p2p-zmq, p2p", "nonsense"])
def test_only_the_session_subprotocol_is_reachable(stack, user, offered):
    status, _, body = refused_upgrade(stack, user.token, [("Sec-WebSocket-Protocol", offered)])
    assert status == 400, f"{offered!r}: {status}"
    assert "Sec-WebSocket-Protocol" in body["error"], body


@pytest.mark.parametrize("offered", ["p2p", "chat, p2p"])
def test_the_session_subprotocol_gets_a_session(stack, user, offered):
    async def go():
        ws = await h.websockets.connect(f"{stack.ws_url}?token={user.token}", compression=None,
                                        subprotocols=[p.strip() for p in offered.split(",")],
                                        ping_interval=None, open_timeout=10)
        s = h.Session(ws)
        try:
            first = await s.recv()
            reply = await s.call("profile.get")
            return ws.subprotocol, first, reply
        finally:
            await s.close()
    subprotocol, first, reply = h.run(go(), timeout=30)
    assert subprotocol == "p2p"
    assert first["type"] == "connected", first
    assert reply["success"] is True, reply


# ------------------------------------------------------------------ item 7: /dev/token

def test_dev_token_is_only_for_loopback_peers(make_stack):
    stack = make_stack("devtoken", workers=1, env={"P2P_DEV_TOKENS": "1"})
    body = json.dumps({"user_id": "mallory", "role": "admin"})
    address = non_loopback_ipv4()
    conn = http.client.HTTPConnection(address, stack.port, timeout=5)
    try:
        conn.request("POST", "/dev/token", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        remote = (r.status, json.loads(r.read()))
    finally:
        conn.close()
    assert remote[0] == 404, f"{address} got {remote}"
    assert "token" not in json.dumps(remote[1]), remote
    # A proxy on this host forwards remote clients from a loopback address
    r = h.http_request(stack, "POST", "/dev/token", raw=body.encode(),
                       headers={"X-Forwarded-For": "203.0.113.9"})
    h.assert_error(r, 404)
    r = h.http_request(stack, "POST", "/dev/token", raw=body.encode())
    assert r.status == 200 and r.json["data"]["token"], r


# ------------------------------------------------------------------ item 8: path vs query

def test_query_parameter_cannot_override_a_path_parameter(stack, user, other_user):
    token = stack.admin_token()
    path = f"/api/p2p/admin/profiles/{user.profile_id}/verify?id={other_user.profile_id}"
    r = h.http_request(stack, "POST", path, token=token, json_body={"verified": True})
    h.assert_error(r, 400, field="id")
    assert h.db_profile(user.user_id)["is_verified"] is False
    assert h.db_profile(other_user.user_id)["is_verified"] is False
    r = h.http_request(stack, "GET", f"/api/p2p/admin/profiles/{user.profile_id}?id={other_user.profile_id}",
                       token=token)
    h.assert_error(r, 400, field="id")
    # a parameter given twice is as ambiguous
    r = h.http_request(stack, "GET", "/api/p2p/admin/profiles?limit=1&limit=50", token=token)
    h.assert_error(r, 400, field="limit")
    r = h.http_request(stack, "GET", f"/api/p2p/admin/profiles/{user.profile_id}", token=token)
    assert r.status == 200 and r.json["data"]["profile"]["id"] == user.profile_id, r


# ------------------------------------------------------------------ item 9: long Origin

@pytest.mark.parametrize("origin,allowed", [
    ("https://good.example", True),
    ("https://evil.example", False),
    ("https://good.example" + "/x" * 120, False),           # 260 bytes
    ("https://" + "a" * 600 + ".example", False),
], ids=["allowed", "other", "allowed-plus-240-bytes", "616-bytes"])
def test_long_origin_fails_closed(make_stack, origin, allowed):
    stack = make_stack("origin", workers=1, env={"P2P_WS_ALLOWED_ORIGINS": "https://good.example"})
    token = stack.token(h.new_user_id())
    if allowed:
        status, _, sock = upgrade(stack, token, headers=[("Origin", origin)])
        sock.close()
        assert status == 101, status
    else:
        status, _, body = refused_upgrade(stack, token, headers=[("Origin", origin)])
        assert status == 403 and body["code"] == "FORBIDDEN", (len(origin), status, body)


# ------------------------------------------------------------------ item 10: notice

@pytest.mark.parametrize("reason", ["€" * 300, "a" + "é" * 499, "😀" * 250],
                         ids=["3-byte", "2-byte-odd", "4-byte"])
def test_suspension_notice_survives_long_non_ascii_reasons(stack, reason):
    user = h.create_user(stack)

    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(None, lambda: h.http_request(
                stack, "POST", f"/api/p2p/admin/profiles/{user.profile_id}/suspend",
                token=stack.admin_token(), json_body={"reason": reason}))
            assert r.status == 200, r
            msg = await s.recv(timeout=5)
            code = await s.expect_closed(timeout=5)
            return msg, code
        finally:
            await s.close()
    msg, code = h.run(go(), timeout=30)
    assert msg["type"] == "account_suspended" and msg["error"] == "ACCOUNT_SUSPENDED", msg
    assert msg["reason"] == reason
    assert msg["message"].startswith("Your P2P account has been suspended: "), msg
    assert code == 1008


# ------------------------------------------------------------------ item 11: Content-Length

@pytest.mark.parametrize("length", ["-5", "-0", "abc", "5x", "+5", "0x10", "5 5"])
def test_malformed_content_length_is_400_and_the_connection_is_not_left_hanging(stack, user, length):
    before = h.db_snapshot(user.user_id)
    body = b'{"auto_reply_message": "smuggled"}'
    request = (f"PUT /api/p2p/profile HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {user.token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {length}\r\n\r\n").encode() + body
    pipelined = b"GET /p2p/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
    try:
        sock.sendall(request + pipelined)
        responses = split_responses(read_all(sock, 5))
    finally:
        sock.close()
    assert responses, "no response at all"
    status, headers, payload = responses[0]
    assert status == 400, responses
    assert "Content-Length" in json.loads(payload)["error"], payload
    assert headers.get("connection", "").lower() == "close", headers
    assert h.db_snapshot(user.user_id) == before


# ------------------------------------------------------------------ item 12: probes

def test_probes_are_never_rate_limited(make_stack):
    """Balancers probe from one address: health and readiness are never 429, while
    other unauthenticated calls from that address are."""
    stack = make_stack("probes", workers=1, env={"P2P_RATE_LIMIT_PER_MIN": "3"})
    statuses = [h.http_request(stack, "GET", "/api/p2p/profile").status for _ in range(8)]
    assert 429 in statuses and set(statuses) <= {401, 429}, statuses
    for _ in range(40):
        r = h.http_request(stack, "GET", "/p2p/health")
        assert r.status == 200, r
        r = h.http_request(stack, "GET", "/p2p/ready")
        assert r.status == 200, r
    assert h.http_request(stack, "GET", "/api/p2p/profile").status == 429


# ------------------------------------------------------------------ item 15: NUL

@pytest.mark.parametrize("raw,field", [
    (b'{"auto_reply_message": "a\\u0000b"}', "auto_reply_message"),
    (b'{"preferred_currency": "USD", "email": "x\\u0000@y.example"}', "email"),
    (b'{"a\\u0000b": 1}', r"a\u0000b"),  # a key: named as written
])
def test_rest_nul_is_refused_naming_the_field(user, raw, field):
    before = h.db_snapshot(user.user_id)
    r = h.http_request(user.stack, "PUT", "/api/p2p/profile", token=user.token, raw=raw)
    h.assert_error(r, 400, field=field)
    assert "NUL" in r.json["error"], r.json
    assert h.db_snapshot(user.user_id) == before


def test_rest_create_nul_names_the_field(stranger):
    r = h.http_request(stranger.stack, "POST", "/api/p2p/profile/create", token=stranger.token,
                       raw=b'{"has_consent": true, "username": "ab\\u0000cd"}')
    h.assert_error(r, 400, field="username")
    assert h.db_profile(stranger.user_id) is None


def test_ws_nul_is_refused_naming_the_field(stack, user):
    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            first = await s.call("profile.update", {"auto_reply_message": "a\u0000b"})
            nested = await s.call("profile.update", {"preferred_payment_methods": [1, "x\u0000"]})
            ok = await s.call("profile.get")
            return first, nested, ok
        finally:
            await s.close()
    first, nested, ok = h.run(go(), timeout=30)
    h.assert_ws_error(first, "profile.update", field="auto_reply_message")
    h.assert_ws_error(nested, "profile.update", field="preferred_payment_methods[1]")
    assert ok["success"] is True
    assert h.db_profile(user.user_id)["auto_reply_message"] is None


# ------------------------------------------------------------------ events (issue 11)

def gateway_log_has(stack, text):
    return text in stack.gateway.log_text()


def test_push_reaches_every_session_of_the_user_and_nobody_else(make_stack):
    stack = make_stack("push", workers=1)
    a = h.create_user(stack)
    b = h.create_user(stack)
    frame = {"type": "notification.new", "success": True,
             "data": {"id": 7, "kind": "order.paid", "title": "Paid ✓"}}

    async def go():
        a1 = await h.ws_session(stack, a.user_id)
        a2 = await h.ws_session(stack, a.user_id)
        b1 = await h.ws_session(stack, b.user_id)
        try:
            with h.FakeWorker(stack.worker_endpoint, "admin") as worker:
                worker.heartbeat()
                worker.event("user.push", a.user_id, frame)
                got = [await a1.recv(), await a2.recv()]
            reply = await b1.call("profile.get")
            return got, reply, b1.unmatched
        finally:
            for s in (a1, a2, b1):
                await s.close()
    got, reply, b_other = h.run(go(), timeout=30)
    assert got == [frame, frame], got
    assert reply["success"] is True and b_other == [], b_other


def test_event_from_a_kind_that_may_not_send_it_is_dropped(make_stack):
    """A profile worker (or a peer that never registered) cannot suspend anyone."""
    stack = make_stack("eventkind", workers=1)
    victim = h.create_user(stack)

    async def go():
        s = await h.ws_session(stack, victim.user_id)
        try:
            with h.FakeWorker(stack.worker_endpoint, "profile") as worker:
                worker.heartbeat()
                worker.event("account_suspended", victim.user_id, {"reason": "forged"})
                h.wait_until(lambda: gateway_log_has(stack, '"event.refused"'), 5,
                             what="the gateway refused the event")
            with h.FakeWorker(stack.worker_endpoint) as stranger:
                stranger.event("account_suspended", victim.user_id, {"reason": "forged"})
                h.wait_until(lambda: stack.gateway.log_text().count('"event.refused"') >= 2, 5,
                             what="the gateway refused the unregistered peer's event")
            reply = await s.call("profile.get")
            return reply, s.unmatched
        finally:
            await s.close()
    reply, unmatched = h.run(go(), timeout=30)
    assert reply["success"] is True and unmatched == [], unmatched


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"data": {}}', '{"type": ""}',
                                  '{"type": "x", "request_id": "r1"}'])
def test_malformed_push_is_dropped(make_stack, body):
    stack = make_stack("badpush", workers=1)
    user = h.create_user(stack)
    marker = {"type": "chat.read", "success": True, "data": {"order_id": 1}}

    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            with h.FakeWorker(stack.worker_endpoint, "admin") as worker:
                worker.heartbeat()
                worker.event("user.push", user.user_id, body)
                worker.event("user.push", user.user_id, marker)
                return await s.recv()
        finally:
            await s.close()
    first = h.run(go(), timeout=30)
    assert first == marker, first
    assert gateway_log_has(stack, '"event.malformed"')
