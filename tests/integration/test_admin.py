"""The admin API (REST under /api/p2p/admin/, role "admin") and the operator CLI
(p2p-admin, protobuf over ZeroMQ straight to p2p-admin-svc): listing and search,
suspension that reaches every gateway's sessions within a second, timed suspensions that
lapse by themselves, verify/merchant flags in the public profile, the audit log, 403 for
everyone else, all-or-nothing changes, CURVE on the operator API."""

import asyncio
import datetime
import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

import p2p_harness as h

ADMIN = "/api/p2p/admin"
ADMIN_ID = "it_admin_" + uuid.uuid4().hex[:12]


# ------------------------------------------------------------------ helpers

def admin(stack, method, path, body=h._NO_BODY, token=None):
    return h.http_request(stack, method, ADMIN + path,
                          token=token or stack.admin_token(ADMIN_ID), json_body=body)


def rfc3339_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def audit_rows(profile_id):
    out = h.psql("SELECT count(*) FROM p2p_admin_audit WHERE profile_id = "
                 f"{int(profile_id)}")
    return int(out.strip())


def cli(stack_or_endpoint, *args, timeout_ms=5000, operator="it-operator", env=None):
    """Run p2p-admin against a stack's operator API; returns CompletedProcess."""
    endpoint = (stack_or_endpoint if isinstance(stack_or_endpoint, str)
                else stack_or_endpoint.admin_endpoint)
    argv = [h.bin_path(h.ADMIN_CLI_BIN), "--endpoint", endpoint, "--operator", operator,
            "--timeout", str(timeout_ms), *args]
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_ADMIN")}
    run_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=run_env)


def cli_json(stack, *args, **kw):
    done = cli(stack, "--json", *args, **kw)
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"p2p-admin --json printed no JSON (exit {done.returncode}): "
                             f"{done.stdout!r} {done.stderr!r}") from None
    return done, doc


async def expect_connection_error(stack, user_id, error="ACCOUNT_SUSPENDED"):
    s = await h.ws_open(stack, stack.token(user_id))
    msg = await s.recv()
    code = await s.expect_closed(timeout=5)
    assert msg.get("type") == "connection_error", msg
    assert msg.get("error") == error, msg
    assert code == 1008, f"a refused connection closed with {code}, not 1008"
    return msg


async def try_connect(stack, user_id):
    """The first message of a new connection (closing it)."""
    s = await h.ws_open(stack, stack.token(user_id))
    try:
        return await s.recv()
    finally:
        await s.close()


# ------------------------------------------------------------------ access

ROUTES = [
    ("GET", "/profiles", h._NO_BODY),
    ("GET", "/profiles?search=x&limit=5", h._NO_BODY),
    ("GET", "/profiles/1", h._NO_BODY),
    ("POST", "/profiles/1/suspend", {"reason": "x"}),
    ("POST", "/profiles/1/unsuspend", {}),
    ("POST", "/profiles/1/verify", {"verified": True}),
    ("POST", "/profiles/1/merchant", {"merchant": True}),
    ("GET", "/audit", h._NO_BODY),
    ("GET", "/audit?profile_id=1", h._NO_BODY),
]


@pytest.mark.parametrize("role", [None, "user", "Admin", "administrator"])
def test_non_admin_gets_403_on_every_admin_route(stack, user, role):
    extra = {"role": role} if role is not None else None
    token = stack.token(user.user_id, extra=extra)
    before = user.get("/api/p2p/profile").json["data"]["profile"]
    for method, path, body in ROUTES:
        r = h.http_request(stack, method, ADMIN + path, token=token, json_body=body)
        h.assert_error(r, 403)
    assert audit_rows(user.profile_id) == 0
    after = user.get("/api/p2p/profile").json["data"]["profile"]
    for key in ("is_suspended", "is_verified", "is_merchant"):
        assert after[key] == before[key], key


def test_no_token_gets_401_on_admin_routes(stack):
    for method, path, body in ROUTES:
        r = h.http_request(stack, method, ADMIN + path, json_body=body)
        h.assert_error(r, 401)


# ------------------------------------------------------------------ list / get

def test_list_search_filters_and_every_field(stack):
    tag = uuid.uuid4().hex[:8]
    a = h.create_user(stack, username=f"Adm_{tag}_one", email="one@example.com",
                      phone_number="+15550001111")
    b = h.create_user(stack, username=f"adm_{tag}_two")
    r = admin(stack, "GET", f"/profiles?search=ADM_{tag.upper()}&limit=10")
    assert r.status == 200, r
    data = r.json["data"]
    ids = [p["id"] for p in data["profiles"]]
    assert set(ids) == {a.profile_id, b.profile_id}, data
    assert data["total"] == 2
    assert ids == sorted(ids, reverse=True), "newest first"
    # every field, private ones included, exactly as the owner sees the profile
    own = a.get("/api/p2p/profile").json["data"]["profile"]
    listed = next(p for p in data["profiles"] if p["id"] == a.profile_id)
    assert set(listed) == set(own), set(listed) ^ set(own)
    assert listed["email"] == "one@example.com"
    assert listed["phone_number"] == "+15550001111"

    # exact user_id matches too; a part of it does not
    r = admin(stack, "GET", f"/profiles?search={b.user_id}")
    assert [p["id"] for p in r.json["data"]["profiles"]] == [b.profile_id], r
    r = admin(stack, "GET", f"/profiles?search={b.user_id[:-3]}")
    assert r.json["data"]["total"] == 0, r

    # filters and paging
    assert admin(stack, "POST", f"/profiles/{b.profile_id}/verify",
                 {"verified": True}).status == 200
    r = admin(stack, "GET", f"/profiles?search=adm_{tag}&is_verified=true")
    assert [p["id"] for p in r.json["data"]["profiles"]] == [b.profile_id], r
    r = admin(stack, "GET", f"/profiles?search=adm_{tag}&is_verified=false&is_merchant=false"
                            "&is_suspended=false")
    assert [p["id"] for p in r.json["data"]["profiles"]] == [a.profile_id], r
    r = admin(stack, "GET", f"/profiles?search=adm_{tag}&limit=1&offset=1")
    assert r.json["data"]["total"] == 2 and len(r.json["data"]["profiles"]) == 1, r
    assert r.json["data"]["profiles"][0]["id"] == a.profile_id


@pytest.mark.parametrize("query,name", [
    ("is_suspended=yes", "is_suspended"),
    ("is_verified=1", "is_verified"),
    ("is_merchant=TRUE", "is_merchant"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=5x", "limit"),
    ("offset=-1", "offset"),
    ("sort=id", "sort"),
])
def test_list_bad_parameters_are_400_naming_them(stack, query, name):
    h.assert_error(admin(stack, "GET", f"/profiles?{query}"), 400, field=name)


def test_get_one_profile(stack, user):
    r = admin(stack, "GET", f"/profiles/{user.profile_id}")
    assert r.status == 200, r
    assert r.json["data"]["profile"]["user_id"] == user.user_id
    h.assert_error(admin(stack, "GET", "/profiles/999999999999"), 404)
    for bad in ("abc", "0", "-4", "1.5"):
        h.assert_error(admin(stack, "GET", f"/profiles/{bad}"), 400, field="id")


# ------------------------------------------------------------------ suspension everywhere

def test_suspension_reaches_every_gateway_within_a_second(make_stack):
    gw_b = make_stack("admin-gw-b", workers=0, admin_workers=0)
    gw_a = make_stack("admin-gw-a", workers=1, admin_workers=1,
                      extra_endpoints=[gw_b.worker_endpoint])
    gw_b.wait_ready()
    user = h.create_user(gw_a)
    bystander = h.create_user(gw_a)

    async def go():
        on_a = await h.ws_session(gw_a, user.user_id)
        on_b = await h.ws_session(gw_b, user.user_id)
        other = await h.ws_session(gw_b, bystander.user_id)
        received = {}

        async def watch(name, s):
            msg = await s.recv(timeout=10)
            received[name] = (time.monotonic(), msg)
            code = await s.expect_closed(timeout=5)
            received[name + "_closed"] = (time.monotonic(), code)

        watchers = [asyncio.ensure_future(watch("a", on_a)),
                    asyncio.ensure_future(watch("b", on_b))]
        loop = asyncio.get_running_loop()
        r = await loop.run_in_executor(None, lambda: admin(
            gw_b, "POST", f"/profiles/{user.profile_id}/suspend", {"reason": "it: fraud"}))
        replied = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*watchers), 10)
        # the bystander is still connected and served
        reply = await other.call("profile.get", {})
        await other.close()
        return r, replied, received, reply

    r, replied, received, reply = h.run(go(), timeout=40)
    assert r.status == 200, r
    assert r.json["message"] == "Profile suspended"
    profile = r.json["data"]["profile"]
    assert profile["is_suspended"] is True and profile["suspension_reason"] == "it: fraud"
    for name in ("a", "b"):
        at, msg = received[name]
        assert at - replied < 1.0, f"session on gateway {name} told {at - replied:.2f}s late"
        assert msg.get("type") == "account_suspended", msg
        assert msg.get("success") is False and msg.get("error") == "ACCOUNT_SUSPENDED", msg
        assert "suspended_until" in msg and msg["suspended_until"] is None, msg
        closed_at, code = received[name + "_closed"]
        assert closed_at - replied < 1.5, f"gateway {name} closed {closed_at - replied:.2f}s late"
        assert code == 1008, f"gateway {name} closed with {code}, not 1008 (policy violation)"
    assert reply.get("success") is True, reply

    # REST writes are refused, reads are not
    h.assert_error(user.put("/api/p2p/profile", {"auto_reply_message": "hi"}), 403)
    assert user.get("/api/p2p/profile").status == 200
    # a new connection on either gateway is refused
    for gw in (gw_a, gw_b):
        msg = h.run(expect_connection_error(gw, user.user_id), timeout=20)
        assert msg.get("suspended_until") is None, msg

    # lifting it lets them back in
    r = admin(gw_a, "POST", f"/profiles/{user.profile_id}/unsuspend", {"reason": "appeal"})
    assert r.status == 200 and r.json["data"]["profile"]["is_suspended"] is False, r
    msg = h.run(try_connect(gw_b, user.user_id), timeout=20)
    assert msg.get("type") == "connected", msg
    assert user.put("/api/p2p/profile", {"auto_reply_message": "back"}).status == 200


def test_timed_suspension_lapses_by_itself(stack, user):
    until = rfc3339_in(3)
    r = admin(stack, "POST", f"/profiles/{user.profile_id}/suspend",
              {"reason": "cool-off", "until": until})
    assert r.status == 200, r
    shown = r.json["data"]["profile"]["suspended_until"]
    assert shown and shown.startswith(until[:16]), (shown, until)
    msg = h.run(expect_connection_error(stack, user.user_id), timeout=20)
    assert msg.get("suspended_until"), msg
    h.assert_error(user.put("/api/p2p/profile", {"auto_reply_message": "x"}), 403)

    def connects():
        m = h.run(try_connect(stack, user.user_id), timeout=20)
        return m if m.get("type") == "connected" else None
    h.wait_until(connects, timeout=8, interval=0.5, what="connect after the suspension lapsed")
    assert user.put("/api/p2p/profile", {"auto_reply_message": "free"}).status == 200
    r = admin(stack, "GET", f"/profiles/{user.profile_id}")
    assert r.json["data"]["profile"]["is_suspended"] is False, r


@pytest.mark.parametrize("body,field", [
    ({}, "reason"),
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"reason": 5}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"reason": "x", "until": "tomorrow"}, "until"),
    ({"reason": "x", "until": "2020-01-01T00:00:00Z"}, "until"),
    ({"reason": "x", "until": "2099-01-01T00:00:00"}, "until"),
    ({"reason": "x", "days": 3}, "days"),
])
def test_bad_suspend_bodies_are_400_and_change_nothing(stack, user, body, field):
    before = h.db_snapshot(user.user_id)
    h.assert_error(admin(stack, "POST", f"/profiles/{user.profile_id}/suspend", body), 400,
                   field=field)
    assert h.db_snapshot(user.user_id) == before
    assert audit_rows(user.profile_id) == 0


def test_suspend_unknown_profile_is_404_without_audit_row(stack):
    missing = int(h.psql("SELECT coalesce(max(id), 0) + 1000000 FROM p2p_profiles").strip())
    h.assert_error(admin(stack, "POST", f"/profiles/{missing}/suspend", {"reason": "x"}), 404)
    h.assert_error(admin(stack, "POST", f"/profiles/{missing}/verify", {"verified": True}), 404)
    assert audit_rows(missing) == 0


def test_failure_mid_change_leaves_nothing(stack, user):
    """The audit INSERT fails after the UPDATE ran: the transaction rolls back, the
    profile is untouched, nobody is disconnected."""
    fn = "it_refuse_audit_" + uuid.uuid4().hex[:8]
    h.psql(f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           f"IF NEW.profile_id = {user.profile_id} THEN RAISE EXCEPTION 'it: refused'; END IF; "
           "RETURN NEW; END $$")
    h.psql(f"CREATE TRIGGER {fn} BEFORE INSERT ON p2p_admin_audit "
           f"FOR EACH ROW EXECUTE FUNCTION {fn}()")
    try:
        before = h.db_snapshot(user.user_id)

        async def go():
            s = await h.ws_session(stack, user.user_id)
            loop = asyncio.get_running_loop()
            r = await loop.run_in_executor(None, lambda: admin(
                stack, "POST", f"/profiles/{user.profile_id}/suspend", {"reason": "x"}))
            # still connected and served: no event for a change that did not happen
            reply = await s.call("profile.get", {})
            await s.close()
            return r, reply

        r, reply = h.run(go(), timeout=30)
        assert r.status == 500, r
        assert reply.get("type") == "profile.get" and reply.get("success") is True, reply
        r = admin(stack, "POST", f"/profiles/{user.profile_id}/verify", {"verified": True})
        assert r.status == 500, r
        assert h.db_snapshot(user.user_id) == before
        assert audit_rows(user.profile_id) == 0
    finally:
        h.psql(f"DROP TRIGGER IF EXISTS {fn} ON p2p_admin_audit")
        h.psql(f"DROP FUNCTION IF EXISTS {fn}()")
    # and the worker is fine afterwards
    assert admin(stack, "POST", f"/profiles/{user.profile_id}/verify",
                 {"verified": True}).status == 200
    assert audit_rows(user.profile_id) == 1


# ------------------------------------------------------------------ flags, audit

def test_verify_and_merchant_show_in_the_public_profile(stack, user, other_user):
    for path, body in (("verify", {"verified": True}), ("merchant", {"merchant": True})):
        r = admin(stack, "POST", f"/profiles/{user.profile_id}/{path}", body)
        assert r.status == 200, r

    async def look():
        s = await h.ws_session(stack, other_user.user_id)
        reply = await s.call("profile.get", {"profile_id": user.profile_id})
        await s.close()
        return reply
    reply = h.run(look(), timeout=20)
    public = reply["data"]
    assert public["is_verified"] is True and public["is_merchant"] is True, reply
    for private in h.PRIVATE_FIELDS:
        assert private not in public, private

    for path, body in (("verify", {"verified": False}), ("merchant", {"merchant": False})):
        assert admin(stack, "POST", f"/profiles/{user.profile_id}/{path}", body).status == 200
    public = h.run(look(), timeout=20)["data"]
    assert public["is_verified"] is False and public["is_merchant"] is False
    for path, body in (("verify", {"verified": "yes"}), ("merchant", {}),
                       ("verify", {"verified": True, "extra": 1})):
        h.assert_error(admin(stack, "POST", f"/profiles/{user.profile_id}/{path}", body), 400)


def test_audit_log_records_each_action(stack, user):
    pid = user.profile_id
    steps = [
        ("suspend", {"reason": "spam links"}),
        ("unsuspend", {"reason": "appeal accepted"}),
        ("verify", {"verified": True}),
        ("merchant", {"merchant": True}),
        ("merchant", {"merchant": False, "reason": "volume too low"}),
    ]
    for path, body in steps:
        r = admin(stack, "POST", f"/profiles/{pid}/{path}", body)
        assert r.status == 200, (path, r)
    r = admin(stack, "GET", f"/audit?profile_id={pid}")
    assert r.status == 200, r
    data = r.json["data"]
    assert data["total"] == 5
    entries = data["entries"]
    assert [e["action"] for e in entries] == ["revoke_merchant", "grant_merchant", "verify",
                                              "unsuspend", "suspend"], entries
    for e in entries:
        assert e["admin_user_id"] == ADMIN_ID and e["profile_id"] == pid, e
        assert isinstance(e["id"], int) and e["created_at"].endswith("Z"), e
    by_action = {e["action"]: e for e in entries}
    s = by_action["suspend"]
    assert s["reason"] == "spam links"
    assert s["before"] == {"is_suspended": False, "suspension_reason": None,
                           "suspended_until": None}, s
    assert s["after"] == {"is_suspended": True, "suspension_reason": "spam links",
                          "suspended_until": None}, s
    u = by_action["unsuspend"]
    assert u["reason"] == "appeal accepted" and u["before"]["is_suspended"] is True, u
    assert u["after"] == {"is_suspended": False, "suspension_reason": None,
                          "suspended_until": None}, u
    assert by_action["verify"]["before"] == {"is_verified": False}
    assert by_action["verify"]["after"] == {"is_verified": True}
    assert by_action["verify"]["reason"] is None
    assert by_action["revoke_merchant"]["reason"] == "volume too low"
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True), "newest first"

    page = admin(stack, "GET", f"/audit?profile_id={pid}&limit=2&offset=2").json["data"]
    assert [e["id"] for e in page["entries"]] == ids[2:4] and page["total"] == 5
    everything = admin(stack, "GET", "/audit?limit=100").json["data"]
    assert everything["total"] >= 5 and everything["entries"][0]["id"] >= ids[0]
    h.assert_error(admin(stack, "GET", "/audit?profile_id=abc"), 400, field="profile_id")
    h.assert_error(admin(stack, "GET", "/audit?limit=1000"), 400, field="limit")


# ------------------------------------------------------------------ operator CLI

def test_cli_does_each_operation_over_protobuf(stack, user):
    pid = str(user.profile_id)
    name = user.profile["username"]

    done = cli(stack, "list", "--search", name.upper())
    assert done.returncode == 0, done
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "USER_ID", "USERNAME"], done.stdout
    row = next(line for line in lines if name in line).split()
    assert row[0] == pid and row[1] == user.user_id and row[3:6] == ["no", "no", "no"], row
    assert "of 1)" in lines[-1], done.stdout

    done, doc = cli_json(stack, "list", "--search", user.user_id)
    assert done.returncode == 0 and doc["success"] is True, doc
    assert doc["data"]["total"] == 1
    rest = admin(stack, "GET", f"/profiles?search={user.user_id}").json["data"]
    cli_profile, rest_profile = doc["data"]["profiles"][0], rest["profiles"][0]
    assert set(cli_profile) == set(rest_profile)
    for key in rest_profile:
        if key not in ("last_active_at", "updated_at"):
            assert cli_profile[key] == rest_profile[key], key

    done = cli(stack, "get", pid)
    assert done.returncode == 0, done
    record = dict(line.split(None, 1) for line in done.stdout.splitlines() if line.strip())
    assert record["user_id"] == user.user_id and record["username"] == name, record

    async def suspend_while_connected():
        s = await h.ws_session(stack, user.user_id)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, lambda: cli_json(
            stack, "suspend", pid, "--reason", "cli: chargebacks", "--until", rfc3339_in(3600)))
        msg = await s.recv(timeout=3)
        code = await s.expect_closed(timeout=3)
        return result, msg, code
    (done, doc), msg, code = h.run(suspend_while_connected(), timeout=30)
    assert code == 1008, code
    assert done.returncode == 0, done
    assert doc["message"] == "Profile suspended"
    assert doc["data"]["profile"]["is_suspended"] is True
    assert doc["data"]["profile"]["suspension_reason"] == "cli: chargebacks"
    assert msg.get("type") == "account_suspended" and msg.get("suspended_until"), msg

    done = cli(stack, "unsuspend", pid, "--reason", "cli: resolved")
    assert done.returncode == 0 and done.stdout.startswith("Profile unsuspended"), done
    done, doc = cli_json(stack, "verify", pid, "on")
    assert done.returncode == 0 and doc["data"]["profile"]["is_verified"] is True, doc
    done, doc = cli_json(stack, "merchant", pid, "on", "--reason", "kyb done")
    assert done.returncode == 0 and doc["data"]["profile"]["is_merchant"] is True, doc

    done, doc = cli_json(stack, "audit", "--profile", pid)
    assert done.returncode == 0, done
    entries = doc["data"]["entries"]
    assert [e["action"] for e in entries] == ["grant_merchant", "verify", "unsuspend",
                                              "suspend"], entries
    assert {e["admin_user_id"] for e in entries} == {"cli:it-operator"}
    assert entries[0]["reason"] == "kyb done" and entries[0]["after"] == {"is_merchant": True}
    done = cli(stack, "audit", "--profile", pid, "--limit", "2")
    assert done.returncode == 0, done
    header, *rows, footer = done.stdout.splitlines()
    assert header.split()[:6] == ["ID", "TIME", "ADMIN", "ACTION", "PROFILE", "TARGET"], done.stdout
    assert len(rows) == 2 and "grant_merchant" in rows[0] and "verify" in rows[1], rows
    assert "kyb done" in rows[0] and '{"is_merchant":false} -> {"is_merchant":true}' in rows[0]
    assert footer == "(entries 1-2 of 4)", footer
    # the REST audit log is the same log
    rest = admin(stack, "GET", f"/audit?profile_id={pid}").json["data"]
    assert [e["id"] for e in rest["entries"]] == [e["id"] for e in entries]


def test_cli_errors_and_exit_codes(stack, user):
    missing = str(int(h.psql("SELECT coalesce(max(id), 0) + 1000000 FROM p2p_profiles").strip()))
    done = cli(stack, "get", missing)
    assert done.returncode == 1 and "not found" in done.stderr.lower(), done
    done, doc = cli_json(stack, "suspend", missing, "--reason", "x")
    assert done.returncode == 1 and doc == {"success": False, "error": "Profile not found",
                                            "code": "NOT_FOUND", "status": 404}, doc
    assert audit_rows(int(missing)) == 0
    # the same rules as REST
    done = cli(stack, "suspend", str(user.profile_id), "--reason", "x",
               "--until", "2001-01-01T00:00:00Z")
    assert done.returncode == 1 and "until" in done.stderr, done
    done = cli(stack, "suspend", str(user.profile_id), "--reason", "   ")
    assert done.returncode == 1 and "reason" in done.stderr, done
    assert audit_rows(user.profile_id) == 0
    # usage errors: 2
    for args in (["frobnicate"], ["get"], ["get", "abc"], ["verify", "1", "maybe"],
                 ["suspend", "1"], ["list", "--limit", "0"], ["get", "1", "--bogus"]):
        done = cli(stack, *args)
        assert done.returncode == 2, (args, done)
    # nobody there: 3, promptly
    port = h.free_port()
    t0 = time.monotonic()
    done = cli(f"tcp://127.0.0.1:{port}", "list", timeout_ms=300)
    assert done.returncode == 3 and "no reply" in done.stderr, done
    assert time.monotonic() - t0 < 5


# ------------------------------------------------------------------ operator API guard

def test_operator_api_with_curve_admits_only_known_clients(make_stack, tmp_path):
    cli_bin = h.bin_path(h.ADMIN_CLI_BIN)
    clients = tmp_path / "clients"
    clients.mkdir()
    for name in ("server", "alice", "mallory"):
        done = subprocess.run([cli_bin, "keygen", str(tmp_path / f"{name}.cert")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done
    # the server's allow-list holds alice's public certificate only
    shutil.copy(tmp_path / "alice.cert", clients / "alice.cert")
    s = make_stack("admin-curve", workers=1, env={
        "P2P_ADMIN_CURVE_SECRET_FILE": str(tmp_path / "server.cert_secret"),
        "P2P_ADMIN_CURVE_CLIENTS_DIR": str(clients)})
    user = h.create_user(s)
    server_key = ["--curve-server-key", str(tmp_path / "server.cert")]

    ok = cli(s, "get", str(user.profile_id), *server_key,
             "--curve-client-cert", str(tmp_path / "alice.cert"))
    assert ok.returncode == 0 and user.user_id in ok.stdout, ok
    refused = cli(s, "get", str(user.profile_id), *server_key,
                  "--curve-client-cert", str(tmp_path / "mallory.cert"), timeout_ms=1000)
    assert refused.returncode == 3, refused
    plain = cli(s, "get", str(user.profile_id), timeout_ms=1000)
    assert plain.returncode == 3, plain
    # REST keeps working beside it
    assert admin(s, "GET", f"/profiles/{user.profile_id}").status == 200


def test_the_server_decides_who_acts_under_curve(make_stack, tmp_path):
    """A CURVE client claiming to be a REST admin ("admin1") is recorded as the name in
    its certificate on the server's allow-list; it used to be recorded as whatever the
    client claimed (issue 10 item 6)."""
    cli_bin = h.bin_path(h.ADMIN_CLI_BIN)
    clients = tmp_path / "clients"
    clients.mkdir()
    for name, extra in (("server", []), ("alice", ["--name", "alice"]), ("bob", [])):
        done = subprocess.run([cli_bin, "keygen", str(tmp_path / f"{name}.cert"), *extra],
                              capture_output=True, text=True)
        assert done.returncode == 0, done
        if name != "server":
            shutil.copy(tmp_path / f"{name}.cert", clients / f"{name}.cert")
    s = make_stack("admin-actor", workers=1, env={
        "P2P_ADMIN_CURVE_SECRET_FILE": str(tmp_path / "server.cert_secret"),
        "P2P_ADMIN_CURVE_CLIENTS_DIR": str(clients)})
    user = h.create_user(s)
    pid = str(user.profile_id)
    server_key = ["--curve-server-key", str(tmp_path / "server.cert")]
    done = cli(s, "verify", pid, "on", *server_key, "--curve-client-cert",
               str(tmp_path / "alice.cert"), operator="admin1")
    assert done.returncode == 0, done
    done = cli(s, "merchant", pid, "on", *server_key, "--curve-client-cert",
               str(tmp_path / "bob.cert"), operator="admin1")
    assert done.returncode == 0, done
    with open(tmp_path / "bob.cert") as f:
        bob_key = next(line.split('"')[1] for line in f if "public-key" in line)
    actors = h.psql("SELECT admin_user_id FROM p2p_admin_audit WHERE profile_id = "
                    f"{int(pid)} ORDER BY id").split()
    assert actors == ["curve:alice", f"curve:{bob_key}"], actors


def test_the_server_prefixes_a_loopback_operator_and_rest_cannot_take_the_prefix(stack, user):
    """Without CURVE the server (not the CLI) adds "cli:" to the claimed name; a REST
    admin whose id carries an operator prefix is refused, so the two never collide."""
    pid = str(user.profile_id)
    done = cli(stack, "verify", pid, "on", operator="admin1")
    assert done.returncode == 0, done
    actor = h.psql("SELECT admin_user_id FROM p2p_admin_audit WHERE profile_id = "
                   f"{int(pid)} ORDER BY id DESC LIMIT 1").strip()
    assert actor == "cli:admin1", actor
    for impostor in ("cli:admin1", "curve:alice"):
        r = admin(stack, "POST", f"/profiles/{pid}/merchant", {"merchant": True},
                  token=stack.admin_token(impostor))
        h.assert_error(r, 403)
        assert "reserved" in r.json["error"], r.json
    assert audit_rows(pid) == 1
    missing = cli(stack, "verify", pid, "off", operator="")
    assert missing.returncode != 0


def test_curve_half_configured_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update({"P2P_ADMIN_CURVE_SECRET_FILE": str(tmp_path / "server.cert_secret"),
                "P2P_ADMIN_API_BIND": f"tcp://127.0.0.1:{h.free_port()}",
                "P2P_GATEWAY_ENDPOINTS": f"tcp://127.0.0.1:{h.free_port()}"})
    done = subprocess.run([h.bin_path(h.ADMIN_SVC_BIN)], env=env, capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 1, done
    assert "P2P_ADMIN_CURVE_CLIENTS_DIR" in done.stderr, done.stderr


def test_second_admin_worker_on_a_taken_api_port_keeps_serving(make_stack):
    endpoint = f"tcp://127.0.0.1:{h.free_port()}"
    s = make_stack("admin-shared-port", workers=1, admin_workers=2,
                   env={"P2P_ADMIN_API_BIND": endpoint})
    first, second = s.admin_workers
    h.wait_until(lambda: "admin_api.not_listening" in first.log_text()
                 or "admin_api.not_listening" in second.log_text(), timeout=5,
                 what="one admin worker to report the API port taken")
    assert first.alive() and second.alive()
    user = h.create_user(s)
    for _ in range(6):
        assert admin(s, "GET", f"/profiles/{user.profile_id}").status == 200
    assert cli(endpoint, "get", str(user.profile_id)).returncode == 0
