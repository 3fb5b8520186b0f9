"""p2p-admin's trading verbs (TRADING.md "Admin additions": every admin change is also
reachable on p2p-admin): credit, debit, ledger, price, payment-method add / activate /
deactivate, dispute list / show / message / resolve, review hide / unhide, order list /
show, as protobuf (proto/trade_admin.proto) over ZeroMQ straight to trade-svc's
operator API. Each verb against a real stack: the same answers as REST (--json prints
the REST envelope), the same validation errors naming the field, references that apply
once, audit rows with the actor the server decided, CURVE admitting only known keys."""

import json
import os
import shutil
import subprocess
import uuid
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t
from test_disputes import paid_order, raise_dispute
from test_orders import profile_counts
from test_reviews import completed, review

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
    (["dispute"], "list|show|message|resolve"),
    (["dispute", "close", "5"], "list|show|message|resolve"),
    (["dispute", "show"], "DISPUTE_ID"),
    (["dispute", "show", "x"], "DISPUTE_ID"),
    (["dispute", "message", "5"], "DISPUTE_ID TEXT"),
    (["dispute", "resolve", "5", "release"], "--note"),
    (["dispute", "resolve", "5", "--note", "n"], "DISPUTE_ID release|refund"),
    (["dispute", "list", "--limit", "x"], "--limit"),
    (["review", "hide", "5"], "--reason"),
    (["review", "unhide"], "REVIEW_ID"),
    (["order", "show", "x"], "ORDER_ID"),
    (["order", "list", "--status", "PAID,,DISPUTED"], "--status"),
    (["order", "list", "--profile", "me"], "--profile"),
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


# ------------------------------------------------------------------ disputes

def _dispute(stack):
    """A paid order whose seller raised a dispute: (seller, buyer, order, dispute)."""
    seller, ad, buyer, order = paid_order(stack)
    r = raise_dispute(seller, order["id"])
    assert r.status == 201, r
    return seller, buyer, order, r.json["data"]["dispute"]


def test_dispute_queue_case_message_and_ruling_on_the_cli(stack):
    seller, buyer, order, d = _dispute(stack)
    did = str(d["id"])

    # the queue: oldest open first, what REST answers
    done, doc = tcli_json(stack, "dispute", "list", "--status", "open", "--limit", "100")
    assert done.returncode == 0, done
    queue = doc["data"]
    assert d["id"] in [x["id"] for x in queue["disputes"]], queue
    created = [x["created_at"] for x in queue["disputes"]]
    assert created == sorted(created), "oldest open first"
    rest = t.admin(stack, "GET", "/disputes?status=open&limit=100")
    assert rest.status == 200 and rest.json["data"] == queue, (rest.json, queue)
    people = tcli(stack, "dispute", "list", "--status", "open", "--limit", "100")
    assert people.returncode == 0, people
    assert people.stdout.splitlines()[0].split()[:4] == ["ID", "CREATED_AT", "ORDER_ID", "RAISED_BY"]

    # the case file: everything on one page, exactly REST's
    done, doc = tcli_json(stack, "dispute", "show", did)
    assert done.returncode == 0, done
    case = doc["data"]
    assert set(case) >= {"dispute", "order", "messages", "buyer", "seller"}, case.keys()
    assert case["buyer"]["id"] == buyer.profile_id and "email" in case["buyer"]
    assert case["order"]["payment_account"] is not None
    rest = t.admin(stack, "GET", f"/disputes/{did}")
    assert rest.status == 200 and rest.json["data"] == case
    people = tcli(stack, "dispute", "show", did)
    assert people.returncode == 0, people
    for record in ("dispute", "order", "buyer", "seller"):
        assert f"\n{record}\n" in "\n" + people.stdout, people.stdout
    assert "SENDER" in people.stdout, people.stdout  # the chat as a table

    # a message into the order's chat as admin, seen by both parties
    text = "Please both upload your bank statements. " + uuid.uuid4().hex[:6]
    done, doc = tcli_json(stack, "dispute", "message", did, text)
    assert done.returncode == 0, done
    msg = doc["data"]["message"]
    assert msg["sender"] == "admin" and msg["text"] == text, msg
    for party in (buyer, seller):
        chat = party.get(f"/api/p2p/orders/{order['id']}/messages").json["data"]["messages"]
        assert [m["text"] for m in chat if m["sender"] == "admin"] == [text], chat
    people = tcli(stack, "dispute", "message", did, "And the receipts, please.")
    assert people.returncode == 0 and people.stdout.startswith("Posted into the order's chat"), people

    # the ruling: the escrow back to the seller, the order REFUNDED, the counters
    done, doc = tcli_json(stack, "dispute", "resolve", did, "refund", "--note", "No payment found.")
    assert done.returncode == 0, done
    ruled = doc["data"]["dispute"]
    assert ruled["status"] == "resolved" and ruled["outcome"] == "refund", ruled
    assert ruled["resolved_by"] == "admin" and ruled["note"] == "No payment found."
    got = buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]
    assert got["status"] == "REFUNDED" and got["events"][-1]["by"] == "admin", got
    assert profile_counts(buyer) == (1, 0, 1)
    assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []
    for party in (buyer, seller):
        kinds = [n["kind"] for n in party.get("/api/p2p/notifications").json["data"]["notifications"]]
        assert kinds[0] == "dispute.resolved", kinds

    # audit rows: the server-decided actor, naming the dispute (and the order for the ruling)
    rows = audit(f"target = 'dispute:{did}'")
    assert [(r[0], r[1]) for r in rows] == [("dispute_message", f"cli:{OPERATOR}"),
                                            ("dispute_message", f"cli:{OPERATOR}"),
                                            ("resolve_dispute", f"cli:{OPERATOR}")], rows
    after = h.psql(f"SELECT after->>'order_id' FROM p2p_admin_audit WHERE target = 'dispute:{did}' "
                   "AND action = 'resolve_dispute'").strip()
    assert after == str(order["id"])

    # a second ruling changes nothing, and the chat is closed
    before = audit_count()
    done, doc = tcli_json(stack, "dispute", "resolve", did, "release", "--note", "changed my mind")
    assert done.returncode == 1 and doc["status"] == 409, doc
    assert doc["code"] == "ORDER_STATE_CHANGED", doc
    done, doc = tcli_json(stack, "dispute", "message", did, "anyone there?")
    assert done.returncode == 1 and doc["status"] == 409, doc
    assert audit_count() == before
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["status"] == "REFUNDED"

    # resolved disputes leave the open queue
    done, doc = tcli_json(stack, "dispute", "list", "--status", "resolved", "--limit", "100")
    assert d["id"] in [x["id"] for x in doc["data"]["disputes"]]
    done, doc = tcli_json(stack, "dispute", "list", "--status", "open", "--limit", "100")
    assert d["id"] not in [x["id"] for x in doc["data"]["disputes"]]


def test_release_ruling_on_the_cli_pays_the_buyer(stack):
    seller, buyer, order, d = _dispute(stack)
    people = tcli(stack, "dispute", "resolve", str(d["id"]), "release", "--note", "Payment proven.")
    assert people.returncode == 0 and people.stdout.startswith("Resolved:"), people
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["status"] == "COMPLETED"
    assert t.balances(buyer)["BTC"] == ("0.00200000", "0.00000000")
    assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []


def test_two_operators_ruling_at_once_exactly_one_applies(stack):
    for _ in range(4):
        seller, buyer, order, d = _dispute(stack)
        did = str(d["id"])
        base = [h.bin_path(h.ADMIN_CLI_BIN), "--trade-endpoint", stack.trade_endpoint, "--json"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("P2P_ADMIN", "P2P_TRADE"))}
        procs = [subprocess.Popen(base + ["--operator", f"op-{outcome}", "dispute", "resolve", did,
                                          outcome, "--note", "ruled"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for outcome in ("release", "refund")]
        outs = [p.communicate(timeout=30) for p in procs]
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 1], (codes, outs)
        loser = json.loads(outs[[p.returncode for p in procs].index(1)][0])
        assert loser["status"] == 409 and loser["code"] == "ORDER_STATE_CHANGED", loser
        winner = ("release", "refund")[[p.returncode for p in procs].index(0)]
        rows = audit(f"target = 'dispute:{did}' AND action = 'resolve_dispute'")
        assert [r[1] for r in rows] == [f"cli:op-{winner}"], rows
        status = buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["status"]
        assert status == {"release": "COMPLETED", "refund": "REFUNDED"}[winner]
        moves = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id = {order['id']} "
                       "AND kind IN ('release', 'refund')").strip()
        assert moves == {"release": "2", "refund": "1"}[winner], moves
        assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []


# ------------------------------------------------------------------ reviews

def test_review_hide_and_unhide_on_the_cli(stack):
    seller, ad, buyer, order = completed(stack)
    _, _, buyer2, order2 = completed(stack, seller, ad)
    kept = review(buyer, order["id"], 5).json["data"]["review"]
    bad = review(buyer2, order2["id"], 1, "abusive words").json["data"]["review"]
    rid = str(bad["id"])

    def listed():
        return seller.get(f"/api/p2p/profiles/{seller.profile_id}/reviews").json["data"]
    assert Decimal(str(listed()["avg_rating"])) == Decimal("3.00")

    done, doc = tcli_json(stack, "review", "hide", rid, "--reason", "abusive")
    assert done.returncode == 0, done
    assert doc["data"]["review"] == {"id": bad["id"], "hidden": True}, doc
    now = listed()
    assert [r["id"] for r in now["reviews"]] == [kept["id"]] and now["total"] == 1, now
    assert Decimal(str(now["avg_rating"])) == Decimal("5.00")
    assert h.db_profile(seller.user_id)["total_reviews"] == 1

    people = tcli(stack, "review", "unhide", rid, "--reason", "appeal accepted")
    assert people.returncode == 0 and people.stdout.startswith("Review shown again"), people
    now = listed()
    assert now["total"] == 2 and Decimal(str(now["avg_rating"])) == Decimal("3.00"), now

    people = tcli(stack, "review", "hide", rid, "--reason", "abusive after all")
    assert people.returncode == 0 and people.stdout.startswith("Review hidden"), people
    assert listed()["total"] == 1
    rows = audit(f"target = 'review:{rid}'")
    assert [(r[0], r[1]) for r in rows] == [("hide_review", f"cli:{OPERATOR}"),
                                            ("unhide_review", f"cli:{OPERATOR}"),
                                            ("hide_review", f"cli:{OPERATOR}")], rows
    # the same shape as REST's answer
    rest = t.admin(stack, "POST", f"/reviews/{rid}/unhide", {})
    done, doc = tcli_json(stack, "review", "hide", rid, "--reason", "shape")
    assert rest.status == 200 and shape(rest.json["data"]) == shape(doc["data"]), (rest.json, doc)
    done, doc = tcli_json(stack, "review", "hide", "99999999", "--reason", "x")
    assert done.returncode == 1 and doc["status"] == 404, doc


# ------------------------------------------------------------------ orders

def test_order_list_and_show_on_the_cli(stack):
    seller, buyer, order, d = _dispute(stack)
    pid = str(buyer.profile_id)
    done, doc = tcli_json(stack, "order", "list", "--profile", pid)
    assert done.returncode == 0, done
    assert [o["id"] for o in doc["data"]["orders"]] == [order["id"]], doc
    rest = t.admin(stack, "GET", f"/orders?profile_id={pid}")
    assert rest.json["data"] == doc["data"], (rest.json, doc)
    # states: comma-separated as in REST's query, or the option repeated
    rest = t.admin(stack, "GET", f"/orders?status=PAID,DISPUTED&profile_id={seller.profile_id}")
    for args in (["--status", "PAID,DISPUTED"], ["--status", "PAID", "--status", "DISPUTED"]):
        done, doc = tcli_json(stack, "order", "list", *args, "--profile", str(seller.profile_id))
        assert done.returncode == 0 and doc["data"] == rest.json["data"], (args, doc, rest.json)
        assert [o["status"] for o in doc["data"]["orders"]] == ["DISPUTED"], doc
    done, doc = tcli_json(stack, "order", "list", "--status", "COMPLETED", "--profile", pid)
    assert doc["data"]["orders"] == [], doc

    done, doc = tcli_json(stack, "order", "show", str(order["id"]))
    assert done.returncode == 0, done
    assert doc["data"]["order"]["id"] == order["id"] and doc["data"]["messages"], doc
    rest = t.admin(stack, "GET", f"/orders/{order['id']}")
    assert rest.json["data"] == doc["data"]
    people = tcli(stack, "order", "list", "--profile", pid)
    assert people.returncode == 0, people
    assert people.stdout.splitlines()[0].split()[:4] == ["ID", "CREATED_AT", "REFERENCE", "STATUS"]
    assert order["reference"] in people.stdout
    done, doc = tcli_json(stack, "order", "show", "99999999")
    assert done.returncode == 1 and doc["status"] == 404, doc


# ------------------------------------------------------------------ their validation

@pytest.fixture(scope="module")
def case(stack):
    """One open dispute and one review, for refusals (which change nothing)."""
    seller, buyer, order, d = _dispute(stack)
    seller2, ad, buyer2, order2 = completed(stack)
    rv = review(buyer2, order2["id"], 4).json["data"]["review"]
    return {"did": str(d["id"]), "rid": str(rv["id"]), "order_id": order["id"]}


# (CLI arguments, the field the error names, the equivalent REST call)
BAD_MODERATION = [
    (["dispute", "list", "--status", "pending"], "status", ("GET", "/disputes?status=pending", None)),
    (["dispute", "list", "--limit", "0"], "limit", ("GET", "/disputes?limit=0", None)),
    (["dispute", "list", "--offset", "-1"], "offset", ("GET", "/disputes?offset=-1", None)),
    (["dispute", "show", "0"], "dispute_id", ("GET", "/disputes/0", None)),
    (["dispute", "message", "{did}", ""], "text", ("POST", "/disputes/{did}/messages", {"text": ""})),
    (["dispute", "message", "{did}", "x" * 2001], "text",
     ("POST", "/disputes/{did}/messages", {"text": "x" * 2001})),
    (["dispute", "message", "0", "hello"], "dispute_id",
     ("POST", "/disputes/0/messages", {"text": "hello"})),
    (["dispute", "resolve", "{did}", "split", "--note", "half each"], "outcome",
     ("POST", "/disputes/{did}/resolve", {"outcome": "split", "note": "half each"})),
    (["dispute", "resolve", "{did}", "release", "--note", ""], "note",
     ("POST", "/disputes/{did}/resolve", {"outcome": "release", "note": ""})),
    (["review", "hide", "{rid}", "--reason", ""], "reason",
     ("POST", "/reviews/{rid}/hide", {"reason": ""})),
    (["review", "hide", "0", "--reason", "spam"], "review_id",
     ("POST", "/reviews/0/hide", {"reason": "spam"})),
    (["review", "unhide", "{rid}", "--reason", "r" * 501], "reason",
     ("POST", "/reviews/{rid}/unhide", {"reason": "r" * 501})),
    (["order", "list", "--status", "PAID,LOST"], "status", ("GET", "/orders?status=PAID,LOST", None)),
    (["order", "list", "--profile", "0"], "profile_id", ("GET", "/orders?profile_id=0", None)),
    (["order", "list", "--limit", "101"], "limit", ("GET", "/orders?limit=101", None)),
    (["order", "show", "0"], "order_id", ("GET", "/orders/0", None)),
]


def _fill_case(value, case):
    if isinstance(value, str):
        return value.replace("{did}", case["did"]).replace("{rid}", case["rid"])
    if isinstance(value, dict):
        return {k: _fill_case(v, case) for k, v in value.items()}
    return value


@pytest.mark.parametrize("args,field,rest", BAD_MODERATION,
                         ids=[f"{b[0][0]}-{b[0][1]}-{b[1]}" for b in BAD_MODERATION])
def test_bad_moderation_input_is_refused_naming_the_field_as_rest_does(stack, case, args, field,
                                                                        rest):
    before = audit_count()
    argv = [_fill_case(a, case) for a in args]
    done, doc = tcli_json(stack, *argv)
    assert done.returncode == 1, done
    assert doc["success"] is False and doc["status"] == 400, doc
    assert doc["code"] == "INVALID_REQUEST" and f"'{field}'" in doc["error"], doc
    method, path, body = rest
    r = t.admin(stack, method, _fill_case(path, case),
                h._NO_BODY if body is None else _fill_case(body, case))
    h.assert_error(r, 400, field=field)
    assert r.json["error"] == doc["error"], "the same validation says the same thing"
    people = tcli(stack, *argv)
    assert people.returncode == 1 and f"'{field}'" in people.stderr, people
    assert people.stdout == ""
    assert audit_count() == before
    dispute = t.admin(stack, "GET", f"/disputes/{case['did']}").json["data"]["dispute"]
    assert dispute["status"] == "open" and dispute["outcome"] is None
    assert h.psql(f"SELECT count(*) FROM p2p_chat_messages WHERE order_id = {case['order_id']} "
                  "AND sender = 'admin'").strip() == "0"
    assert h.psql(f"SELECT hidden FROM p2p_reviews WHERE id = {case['rid']}").strip() == "f"
