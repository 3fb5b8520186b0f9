"""p2p-admin's trading verbs (TRADING.md "Admin additions": every admin change is also
reachable on p2p-admin): credit, debit, ledger, price, payment-method add / activate /
deactivate, as protobuf (proto/trade_admin.proto) over ZeroMQ straight to trade-svc's
operator API. Each verb against a real stack: the same answers as REST (--json prints
the REST envelope), the same validation errors naming the field, references that apply
once, audit rows with the actor the server decided, CURVE admitting only known keys."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

import p2p_harness as h
import trading as t

OPERATOR = "it-trade-operator"


# ------------------------------------------------------------------ helpers

def tcli(stack_or_endpoint, *args, operator=OPERATOR, timeout_ms=5000, env=None, endpoint=True):
    """Run p2p-admin with a trading verb against a stack's trade-svc; CompletedProcess."""
    target = (stack_or_endpoint if isinstance(stack_or_endpoint, str)
              else stack_or_endpoint.trade_endpoint)
    argv = [h.bin_path(h.ADMIN_CLI_BIN)]
    if endpoint:
        argv += ["--trade-endpoint", target]
    if operator is not None:
        argv += ["--operator", operator]
    argv += ["--timeout", str(timeout_ms), *args]
    run_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("P2P_ADMIN", "P2P_TRADE"))}
    run_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=run_env)


def tcli_json(stack, *args, **kw):
    done = tcli(stack, "--json", *args, **kw)
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"p2p-admin --json printed no JSON (exit {done.returncode}): "
                             f"{done.stdout!r} {done.stderr!r}") from None
    return done, doc


def audit(where):
    """[(action, admin_user_id, profile_id, target)] of p2p_admin_audit rows, oldest first."""
    out = h.psql("SELECT action, admin_user_id, coalesce(profile_id::text, ''), "
                 f"coalesce(target, '') FROM p2p_admin_audit WHERE {where} ORDER BY id").strip()
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def audit_count():
    return int(h.psql("SELECT count(*) FROM p2p_admin_audit").strip())


def ledger_rows(reference):
    return int(h.psql("SELECT count(*) FROM p2p_ledger_entries WHERE reference = "
                      f"{h.sql_literal(reference)}").strip())


def shape(value):
    """The keys of a JSON value, recursively (what REST and the CLI must agree on)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


# ------------------------------------------------------------------ credit / debit

def test_credit_and_debit_answer_what_rest_answers(stack, user):
    pid = str(user.profile_id)
    ref = t.new_reference("cli")
    done, doc = tcli_json(stack, "credit", pid, "--asset", "BTC", "--amount", "0.015",
                          "--reference", ref)
    assert done.returncode == 0, done
    assert doc["success"] is True and set(doc) == {"success", "data"}, doc
    entry = doc["data"]["entry"]
    assert entry["kind"] == "deposit" and entry["amount"] == "0.01500000", entry
    assert entry["profile_id"] == user.profile_id and entry["reference"] == ref
    assert entry["actor"] == f"cli:{OPERATOR}", entry
    assert doc["data"]["balance"] == {"asset": "BTC", "available": "0.01500000",
                                      "held": "0.00000000"}, doc
    # the REST call of the same kind answers the same shape
    rest = t.credit(stack, user.profile_id, "BTC", "0.005")
    assert shape(rest.json["data"]) == shape(doc["data"]), (rest.json, doc)

    done, doc = tcli_json(stack, "debit", pid, "--asset", "BTC", "--amount", "0.002",
                          "--reference", t.new_reference("cli"))
    assert done.returncode == 0, done
    assert doc["data"]["entry"]["kind"] == "withdrawal", doc
    assert doc["data"]["entry"]["amount"] == "-0.00200000", doc
    assert t.balances(user)["BTC"] == ("0.01800000", "0.00000000")
    assert t.journal_mismatches([user.profile_id]) == []

    # for people: a line that says what happened, then the entry and the balance
    done = tcli(stack, "credit", pid, "--asset", "USDT", "--amount", "12.5",
                "--reference", t.new_reference("cli"))
    assert done.returncode == 0, done
    assert done.stdout.startswith("Credited."), done.stdout
    assert "12.500000" in done.stdout and "balance" in done.stdout, done.stdout


def test_credit_twice_with_one_reference_applies_once(stack, user):
    pid = str(user.profile_id)
    ref = t.new_reference("chain")
    args = ("credit", pid, "--asset", "ETH", "--amount", "1.25", "--reference", ref)
    first_done, first = tcli_json(stack, *args)
    again_done, again = tcli_json(stack, *args)
    assert first_done.returncode == 0 and again_done.returncode == 0, (first_done, again_done)
    assert again["data"]["entry"] == first["data"]["entry"], "the original entry answers"
    assert t.balances(user)["ETH"] == ("1.25000000", "0.00000000")
    assert ledger_rows(ref) == 1
    assert len(audit(f"target = 'ledger:{first['data']['entry']['id']}'")) == 1
    people = tcli(stack, *args)
    assert people.returncode == 0 and people.stdout.startswith("Already applied"), people
    # REST sees the same reference as applied: 200, the same entry
    rest = t.credit(stack, user.profile_id, "ETH", "1.25", reference=ref, expect=200)
    assert rest.json["data"]["entry"]["id"] == first["data"]["entry"]["id"]
    # the reference for something else is refused, not merged
    done, doc = tcli_json(stack, "credit", pid, "--asset", "ETH", "--amount", "2",
                          "--reference", ref)
    assert done.returncode == 1 and doc["success"] is False, doc
    assert doc["status"] == 409, doc
    assert t.balances(user)["ETH"] == ("1.25000000", "0.00000000")
    assert ledger_rows(ref) == 1


def test_debit_beyond_the_balance_changes_nothing(stack, user):
    pid = str(user.profile_id)
    t.credit(stack, user.profile_id, "USDC", "3")
    before = audit_count()
    done, doc = tcli_json(stack, "debit", pid, "--asset", "USDC", "--amount", "3.000001",
                          "--reference", t.new_reference("cli"))
    assert done.returncode == 1, done
    assert doc == {"success": False, "error": doc["error"], "code": "INSUFFICIENT_BALANCE",
                   "status": 409}, doc
    people = tcli(stack, "debit", pid, "--asset", "USDC", "--amount", "4",
                  "--reference", t.new_reference("cli"))
    assert people.returncode == 1 and "INSUFFICIENT_BALANCE" in people.stderr, people
    assert t.balances(user)["USDC"] == ("3.000000", "0.000000")
    assert audit_count() == before


def test_credit_to_an_unknown_profile_is_404(stack):
    before = audit_count()
    done, doc = tcli_json(stack, "credit", "999999999", "--asset", "BTC", "--amount", "1",
                          "--reference", t.new_reference("cli"))
    assert done.returncode == 1 and doc["status"] == 404, doc
    assert audit_count() == before


# ------------------------------------------------------------------ ledger

def test_ledger_pages_like_rest(stack, user, other_user):
    pid = str(user.profile_id)
    for amount in ("1", "2", "3"):
        t.credit(stack, user.profile_id, "USDT", amount)
    t.credit(stack, other_user.profile_id, "USDT", "9")
    done, doc = tcli_json(stack, "ledger", "--profile", pid, "--asset", "USDT", "--limit", "2")
    assert done.returncode == 0, done
    page = doc["data"]
    assert [e["amount"] for e in page["entries"]] == ["3.000000", "2.000000"], page
    assert page["has_more"] is True
    # exactly what the REST ledger answers for the same query
    rest = t.admin(stack, "GET", f"/ledger?profile_id={pid}&asset=USDT&limit=2")
    assert rest.status == 200 and rest.json["data"] == page, (rest.json, page)
    last = page["entries"][-1]["id"]
    done, doc = tcli_json(stack, "ledger", "--profile", pid, "--before", str(last))
    assert [e["amount"] for e in doc["data"]["entries"]] == ["1.000000"], doc
    assert doc["data"]["has_more"] is False
    # every profile without --profile
    done, doc = tcli_json(stack, "ledger", "--asset", "USDT", "--limit", "100")
    assert {e["profile_id"] for e in doc["data"]["entries"]} >= {user.profile_id,
                                                                 other_user.profile_id}
    # for people: a table, and where the next page starts
    people = tcli(stack, "ledger", "--profile", pid, "--limit", "2")
    assert people.returncode == 0, people
    lines = people.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "CREATED_AT", "PROFILE_ID"], lines
    assert f"(more: --before {last})" in people.stdout, people.stdout


# ------------------------------------------------------------------ prices

def test_price_is_set_and_listed(stack, user):
    price = f"{60000 + uuid.uuid4().int % 1000}.25"
    done, doc = tcli_json(stack, "price", "BTC", "EUR", price)
    assert done.returncode == 0, done
    assert doc["data"]["price"]["price"] == price, doc
    listed = {(p["asset"], p["fiat"]): p["price"]
              for p in user.get("/api/p2p/prices").json["data"]["prices"]}
    assert listed[("BTC", "EUR")] == price
    rest = t.set_price(stack, "BTC", "EUR", price)
    assert shape(rest.json["data"]) == shape(doc["data"]), (rest.json, doc)
    rows = audit("target = 'price:BTC/EUR'")
    assert rows[-2] == ("set_price", f"cli:{OPERATOR}", "", "price:BTC/EUR"), rows
    people = tcli(stack, "price", "ETH", "JPY", "401234")
    assert people.returncode == 0 and people.stdout.startswith("Price set."), people


# ------------------------------------------------------------------ payment methods

def test_payment_method_add_deactivate_activate(stack, user):
    code = "it_cli_" + uuid.uuid4().hex[:8]
    done, doc = tcli_json(stack, "payment-method", "add", code, "CLI Pay", "e_wallet")
    assert done.returncode == 0, done
    method = doc["data"]["payment_method"]
    assert method["code"] == code and method["kind"] == "e_wallet" and method["active"] is True
    codes = lambda: {m["code"] for m in user.get("/api/p2p/payment-methods")  # noqa: E731
                     .json["data"]["payment_methods"]}
    assert code in codes()
    mid = str(method["id"])
    done, doc = tcli_json(stack, "payment-method", "deactivate", mid)
    assert done.returncode == 0 and doc["data"]["payment_method"]["active"] is False, doc
    assert code not in codes()
    people = tcli(stack, "payment-method", "activate", mid)
    assert people.returncode == 0 and "active" in people.stdout, people
    assert code in codes()
    rows = audit(f"target = 'payment_method:{mid}'")
    assert [r[0] for r in rows] == ["add_payment_method", "deactivate_payment_method",
                                    "activate_payment_method"], rows
    assert {r[1] for r in rows} == {f"cli:{OPERATOR}"}, rows
    # a code in use is a conflict, as over REST
    done, doc = tcli_json(stack, "payment-method", "add", code, "Again", "cash")
    assert done.returncode == 1 and doc["status"] == 409, doc
    # the REST answer has the same shape
    done, doc = tcli_json(stack, "payment-method", "activate", mid)
    rest = t.admin(stack, "PUT", f"/payment-methods/{mid}", {"active": True})
    assert done.returncode == 0 and rest.status == 200, (done, rest)
    assert shape(rest.json["data"]) == shape(doc["data"]), (rest.json, doc)


# ------------------------------------------------------------------ validation

# (CLI arguments, the field the error names, the equivalent REST call or None)
BAD = [
    (["credit", "{pid}", "--asset", "XYZ", "--amount", "1", "--reference", "{ref}"], "asset",
     ("POST", "/wallets/{pid}/credit", {"asset": "XYZ", "amount": "1", "reference": "{ref}"})),
    (["credit", "{pid}", "--asset", "BTC", "--amount", "0.123456789", "--reference", "{ref}"],
     "amount",
     ("POST", "/wallets/{pid}/credit", {"asset": "BTC", "amount": "0.123456789",
                                        "reference": "{ref}"})),
    (["credit", "{pid}", "--asset", "BTC", "--amount", "1e5", "--reference", "{ref}"], "amount",
     ("POST", "/wallets/{pid}/credit", {"asset": "BTC", "amount": "1e5", "reference": "{ref}"})),
    (["debit", "{pid}", "--asset", "BTC", "--amount", "0", "--reference", "{ref}"], "amount",
     ("POST", "/wallets/{pid}/debit", {"asset": "BTC", "amount": "0", "reference": "{ref}"})),
    (["credit", "0", "--asset", "BTC", "--amount", "1", "--reference", "{ref}"], "profile_id",
     ("POST", "/wallets/0/credit", {"asset": "BTC", "amount": "1", "reference": "{ref}"})),
    (["credit", "{pid}", "--asset", "BTC", "--amount", "1", "--reference", "r" * 101],
     "reference",
     ("POST", "/wallets/{pid}/credit", {"asset": "BTC", "amount": "1", "reference": "r" * 101})),
    (["ledger", "--limit", "0"], "limit", ("GET", "/ledger?limit=0", None)),
    (["ledger", "--limit", "101"], "limit", ("GET", "/ledger?limit=101", None)),
    (["ledger", "--asset", "btc"], "asset", ("GET", "/ledger?asset=btc", None)),
    (["ledger", "--before", "0"], "before_id", ("GET", "/ledger?before_id=0", None)),
    (["price", "BTC", "ZZZ", "1"], "fiat", ("PUT", "/prices/BTC/ZZZ", {"price": "1"})),
    (["price", "BTC", "USD", "1.001"], "price", ("PUT", "/prices/BTC/USD", {"price": "1.001"})),
    (["price", "BTC", "JPY", "0.5"], "price", ("PUT", "/prices/BTC/JPY", {"price": "0.5"})),
    (["payment-method", "add", "Bad Code", "Name", "e_wallet"], "code",
     ("POST", "/payment-methods", {"code": "Bad Code", "name": "Name", "kind": "e_wallet"})),
    (["payment-method", "add", "good_code_x", "Name", "teleport"], "kind",
     ("POST", "/payment-methods", {"code": "good_code_x", "name": "Name", "kind": "teleport"})),
    (["payment-method", "add", "good_code_y", "", "cash"], "name",
     ("POST", "/payment-methods", {"code": "good_code_y", "name": "", "kind": "cash"})),
    (["payment-method", "activate", "0"], "id", ("PUT", "/payment-methods/0", {"active": True})),
]


def _fill(value, pid, ref):
    if isinstance(value, str):
        return value.replace("{pid}", pid).replace("{ref}", ref)
    if isinstance(value, dict):
        return {k: _fill(v, pid, ref) for k, v in value.items()}
    return value


@pytest.mark.parametrize("args,field,rest", BAD, ids=[f"{b[0][0]}-{b[1]}" for b in BAD])
def test_bad_input_is_refused_naming_the_field_as_rest_does(stack, user, args, field, rest):
    pid, ref = str(user.profile_id), t.new_reference("bad")
    before = audit_count()
    done, doc = tcli_json(stack, *[_fill(a, pid, ref) for a in args])
    assert done.returncode == 1, done
    assert doc["success"] is False and doc["status"] == 400, doc
    assert doc["code"] == "INVALID_REQUEST" and f"'{field}'" in doc["error"], doc
    method, path, body = rest
    r = t.admin(stack, method, _fill(path, pid, ref),
                h._NO_BODY if body is None else _fill(body, pid, ref))
    h.assert_error(r, 400, field=field)
    assert r.json["error"] == doc["error"], "the same validation says the same thing"
    # for people: the error on stderr, nothing on stdout
    people = tcli(stack, *[_fill(a, pid, ref) for a in args])
    assert people.returncode == 1 and f"'{field}'" in people.stderr, people
    assert people.stdout == ""
    assert audit_count() == before
    assert ledger_rows(ref) == 0
    assert t.balances(user)["BTC"] == ("0.00000000", "0.00000000")


@pytest.mark.parametrize("args,says", [
    (["credit"], "PROFILE_ID"),
    (["credit", "abc", "--asset", "BTC", "--amount", "1", "--reference", "r"], "PROFILE_ID"),
    (["credit", "5", "--asset", "BTC", "--amount", "1"], "--reference"),
    (["credit", "5", "--asset", "BTC", "--amount", "1", "--reference", "r", "--bogus", "x"],
     "--bogus"),
    (["debit", "5", "6", "--asset", "BTC", "--amount", "1", "--reference", "r"], "PROFILE_ID"),
    (["ledger", "--profile", "x"], "--profile"),
    (["ledger", "--limit", "99999999999"], "--limit"),
    (["ledger", "extra"], "no arguments"),
    (["price", "BTC", "USD"], "ASSET FIAT PRICE"),
    (["payment-method"], "add|activate|deactivate"),
    (["payment-method", "remove", "3"], "add|activate|deactivate"),
    (["payment-method", "activate"], "ID"),
    (["payment-method", "deactivate", "x"], "ID"),
])
def test_usage_errors_exit_2_before_anything_is_sent(args, says):
    # an endpoint where nothing listens: a usage error must not even try to connect
    done = tcli(f"tcp://127.0.0.1:{h.free_port()}", *args, timeout_ms=300)
    assert done.returncode == 2, done
    assert says in done.stderr, done.stderr
    assert "no reply" not in done.stderr


def test_no_trade_svc_is_no_reply_exit_3():
    done = tcli(f"tcp://127.0.0.1:{h.free_port()}", "ledger", timeout_ms=300)
    assert done.returncode == 3, done
    assert "p2p-trade-svc" in done.stderr, done.stderr


def test_the_endpoint_comes_from_the_environment_and_profile_verbs_stay_on_admin_svc(stack, user):
    env = {"P2P_TRADE_ENDPOINT": stack.trade_endpoint, "P2P_ADMIN_ENDPOINT": stack.admin_endpoint}
    done = tcli(stack, "--json", "ledger", "--limit", "1", endpoint=False, env=env)
    assert done.returncode == 0 and json.loads(done.stdout)["success"] is True, done
    # a profile verb with the same environment reaches admin-svc, not trade-svc
    done = tcli(stack, "--json", "get", str(user.profile_id), endpoint=False, env=env)
    assert done.returncode == 0, done
    assert json.loads(done.stdout)["data"]["profile"]["id"] == user.profile_id


# ------------------------------------------------------------------ who acts

def test_the_server_decides_who_acts_and_rest_cannot_take_an_operator_id(stack, user):
    pid = str(user.profile_id)
    done, doc = tcli_json(stack, "credit", pid, "--asset", "BTC", "--amount", "0.1",
                          "--reference", t.new_reference("cli"), operator="admin1")
    assert done.returncode == 0, done
    entry_id = doc["data"]["entry"]["id"]
    rows = audit(f"target = 'ledger:{entry_id}'")
    assert rows == [("wallet_credit", "cli:admin1", pid, f"ledger:{entry_id}")], rows
    assert doc["data"]["entry"]["actor"] == "cli:admin1"
    # a REST admin holding an operator's id is refused on trade-svc's admin routes too
    before = audit_count()
    for impostor in ("cli:admin1", "curve:alice"):
        r = t.admin(stack, "POST", f"/wallets/{pid}/credit",
                    {"asset": "BTC", "amount": "1", "reference": t.new_reference()},
                    admin_id=impostor)
        body = h.assert_error(r, 403)
        assert "reserved" in body["error"], body
        h.assert_error(t.admin(stack, "PUT", "/prices/BTC/USD", {"price": "1.00"},
                               admin_id=impostor), 403)
    assert audit_count() == before
    assert t.balances(user)["BTC"] == ("0.10000000", "0.00000000")
    # the server needs a name to record
    done, doc = tcli_json(stack, "price", "BTC", "USD", "1.00", operator="")
    assert done.returncode == 1 and "'operator'" in doc["error"], doc
    assert audit_count() == before


# ------------------------------------------------------------------ the socket

def _keys(tmp_path, names):
    """Certificates for the server and each (name, --name) in names; the allow-list
    directory holds the public halves of those with allowed=True."""
    cli_bin = h.bin_path(h.ADMIN_CLI_BIN)
    clients = tmp_path / "clients"
    clients.mkdir()
    for name, extra, allowed in [("server", [], False)] + names:
        done = subprocess.run([cli_bin, "keygen", str(tmp_path / f"{name}.cert"), *extra],
                              capture_output=True, text=True)
        assert done.returncode == 0, done
        if allowed:
            shutil.copy(tmp_path / f"{name}.cert", clients / f"{name}.cert")
    return clients


def test_trade_api_with_curve_admits_only_known_keys_and_records_their_name(make_stack,
                                                                             tmp_path):
    clients = _keys(tmp_path, [("alice", ["--name", "alice"], True), ("mallory", [], False)])
    s = make_stack("trade-curve", workers=1, env={
        "P2P_TRADE_CURVE_SECRET_FILE": str(tmp_path / "server.cert_secret"),
        "P2P_TRADE_CURVE_CLIENTS_DIR": str(clients)})
    user = h.create_user(s)
    pid = str(user.profile_id)
    server_key = ["--curve-server-key", str(tmp_path / "server.cert")]
    ref = t.new_reference("curve")
    done = tcli(s, "--json", "credit", pid, "--asset", "BTC", "--amount", "0.5", "--reference",
                ref, *server_key, "--curve-client-cert", str(tmp_path / "alice.cert"),
                operator="admin1")
    assert done.returncode == 0, done
    entry_id = json.loads(done.stdout)["data"]["entry"]["id"]
    rows = audit(f"target = 'ledger:{entry_id}'")
    assert [r[1] for r in rows] == ["curve:alice"], "the certificate's name, not the claim"

    before = audit_count()
    for extra in ([*server_key, "--curve-client-cert", str(tmp_path / "mallory.cert")], []):
        refused = tcli(s, "credit", pid, "--asset", "BTC", "--amount", "1", "--reference",
                       t.new_reference("curve"), *extra, timeout_ms=1000)
        assert refused.returncode == 3, refused
    assert audit_count() == before
    assert t.balances(user)["BTC"] == ("0.50000000", "0.00000000")
    # REST keeps working beside it
    assert t.admin(s, "GET", f"/ledger?profile_id={pid}").status == 200


def test_trade_curve_half_configured_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update({"P2P_TRADE_CURVE_SECRET_FILE": str(tmp_path / "server.cert_secret"),
                "P2P_TRADE_API_BIND": f"tcp://127.0.0.1:{h.free_port()}",
                "P2P_GATEWAY_ENDPOINTS": f"tcp://127.0.0.1:{h.free_port()}"})
    done = subprocess.run([h.bin_path(h.TRADE_SVC_BIN)], env=env, capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 1, done
    assert "P2P_TRADE_CURVE_CLIENTS_DIR" in done.stderr, done.stderr


def test_second_trade_worker_on_a_taken_api_port_keeps_serving(make_stack):
    endpoint = f"tcp://127.0.0.1:{h.free_port()}"
    s = make_stack("trade-shared-port", workers=1, trade_workers=2,
                   env={"P2P_TRADE_API_BIND": endpoint})
    first, second = s.trade_workers
    h.wait_until(lambda: "trade_api.not_listening" in first.log_text()
                 or "trade_api.not_listening" in second.log_text(), timeout=5,
                 what="one trade worker to report the API port taken")
    assert first.alive() and second.alive()
    user = h.create_user(s)
    for _ in range(4):
        t.credit(s, user.profile_id, "ETH", "1")
    done = tcli(endpoint, "--json", "ledger", "--profile", str(user.profile_id))
    assert done.returncode == 0, done
    assert len(json.loads(done.stdout)["data"]["entries"]) == 4
