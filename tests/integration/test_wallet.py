"""Wallets on a double-entry ledger (TRADING.md "Money", "Wallets"): balances with every
asset, exact amounts as strings, operator credits and debits with idempotent references,
the history, the admin ledger view, the invariant under concurrent load and after a
trade-svc worker is SIGKILLed mid-load."""

import concurrent.futures
import json
import signal
import threading
import time
import uuid
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t


def _entry_fields(e):
    for key in ("id", "asset", "kind", "amount", "available_after", "held_after", "ad_id",
                "order_id", "created_at"):
        assert key in e, f"{key} missing from {e}"


# ------------------------------------------------------------------ balances

def test_new_user_has_every_asset_at_zero_with_its_decimals(stack, user):
    r = user.get("/api/p2p/wallet")
    assert r.status == 200, r
    got = {b["asset"]: b for b in r.json["data"]["balances"]}
    for asset, decimals in t.ASSETS.items():
        assert asset in got, f"{asset} missing: {got}"
        zero = t.fmt(0, decimals)
        assert got[asset]["available"] == zero and got[asset]["held"] == zero, got[asset]


def test_balance_over_websocket_is_the_same(stack, user):
    t.credit(stack, user.profile_id, "USDT", "12.5")

    async def go():
        async with await h.ws_session(stack, user.user_id) as s:
            return await s.call("wallet.balance", {})
    msg = h.run(go())
    assert msg["success"] is True, msg
    got = {b["asset"]: b for b in msg["data"]["balances"]}
    assert got["USDT"]["available"] == "12.500000", got


def test_profile_is_needed(stack, stranger):
    r = stranger.get("/api/p2p/wallet")
    assert r.status == 404, r


# ------------------------------------------------------------------ credit / debit

def test_credit_applies_once_per_reference(stack, user):
    ref = t.new_reference("chain")
    r1 = t.credit(stack, user.profile_id, "BTC", "0.015", reference=ref)
    entry = r1.json["data"]["entry"]
    _entry_fields(entry)
    assert entry["kind"] == "deposit" and entry["amount"] == "0.01500000", entry
    assert entry["available_after"] == "0.01500000"
    r2 = t.credit(stack, user.profile_id, "BTC", "0.015", reference=ref, expect=200)
    assert r2.json["data"]["entry"]["id"] == entry["id"], r2
    assert t.balances(user)["BTC"] == ("0.01500000", "0.00000000")
    # the same reference for something else is refused, not silently merged
    r3 = t.credit(stack, user.profile_id, "BTC", "0.016", reference=ref, expect=None)
    h.assert_error(r3, 409)
    assert t.balances(user)["BTC"] == ("0.01500000", "0.00000000")
    assert t.journal_mismatches([user.profile_id]) == []


def test_debit_larger_than_available_changes_nothing(stack, user):
    t.credit(stack, user.profile_id, "ETH", "1")
    before = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE profile_id = {user.profile_id}")
    r = t.debit(stack, user.profile_id, "ETH", "1.00000001", expect=None)
    body = h.assert_error(r, 409)
    assert body.get("code") == "INSUFFICIENT_BALANCE", body
    assert t.balances(user)["ETH"] == ("1.00000000", "0.00000000")
    after = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE profile_id = {user.profile_id}")
    assert before == after
    r = t.debit(stack, user.profile_id, "ETH", "0.4")
    assert r.json["data"]["entry"]["amount"] == "-0.40000000", r
    assert t.balances(user)["ETH"] == ("0.60000000", "0.00000000")


@pytest.mark.parametrize("amount,field", [
    (1.5, "amount"),                   # a JSON number where an amount belongs
    ("-1", "amount"),
    ("+1", "amount"),
    ("1e3", "amount"),
    (" 1", "amount"),
    ("0", "amount"),                   # must be greater than zero
    ("0.000000001", "amount"),         # more decimals than BTC has
    ("1234567890123456789", "amount"),  # 19 digits before the point
    ("", "amount"),
])
def test_bad_amounts_are_400_naming_the_field(stack, user, amount, field):
    r = t.admin(stack, "POST", f"/wallets/{user.profile_id}/credit",
                {"asset": "BTC", "amount": amount, "reference": t.new_reference()})
    h.assert_error(r, 400, field=field)
    assert t.balances(user)["BTC"] == ("0.00000000", "0.00000000")


def test_decimals_follow_the_asset(stack, user):
    r = t.admin(stack, "POST", f"/wallets/{user.profile_id}/credit",
                {"asset": "USDT", "amount": "1.0000001", "reference": t.new_reference()})
    h.assert_error(r, 400, field="amount")
    t.credit(stack, user.profile_id, "USDT", "1.000001")
    assert t.balances(user)["USDT"][0] == "1.000001"


@pytest.mark.parametrize("body,field", [
    ({"amount": "1", "reference": "r"}, "asset"),
    ({"asset": "DOGE", "amount": "1", "reference": "r"}, "asset"),
    ({"asset": "BTC", "amount": "1"}, "reference"),
    ({"asset": "BTC", "amount": "1", "reference": ""}, "reference"),
    ({"asset": "BTC", "amount": "1", "reference": "x" * 101}, "reference"),
    ({"asset": "BTC", "amount": "1", "reference": "r", "extra": 1}, "extra"),
])
def test_bad_credit_fields(stack, user, body, field):
    r = t.admin(stack, "POST", f"/wallets/{user.profile_id}/credit", body)
    h.assert_error(r, 400, field=field)


def test_unknown_profile_is_404(stack):
    r = t.admin(stack, "POST", "/wallets/999999999/credit",
                {"asset": "BTC", "amount": "1", "reference": t.new_reference()})
    h.assert_error(r, 404)


def test_non_admin_gets_403(stack, user):
    r = h.http_request(stack, "POST", f"{t.ADMIN}/wallets/{user.profile_id}/credit",
                       token=user.token,
                       json_body={"asset": "BTC", "amount": "1", "reference": t.new_reference()})
    h.assert_error(r, 403)
    assert t.balances(user)["BTC"][0] == "0.00000000"


def test_credit_and_debit_are_audited(stack, user):
    ref = t.new_reference()
    t.credit(stack, user.profile_id, "BTC", "2", reference=ref)
    t.debit(stack, user.profile_id, "BTC", "0.5")
    rows = h.psql(f"SELECT action, admin_user_id, target FROM p2p_admin_audit "
                  f"WHERE profile_id = {user.profile_id} ORDER BY id").strip().splitlines()
    actions = [r.split("|")[0] for r in rows]
    assert actions == ["wallet_credit", "wallet_debit"], rows
    assert all(r.split("|")[1] == t.ADMIN_ID for r in rows), rows
    # a repeated reference is not a second change: no second audit row
    t.credit(stack, user.profile_id, "BTC", "2", reference=ref, expect=200)
    n = h.psql(f"SELECT count(*) FROM p2p_admin_audit WHERE profile_id = {user.profile_id}")
    assert int(n) == 2


# ------------------------------------------------------------------ history

def test_history_newest_first_with_paging(stack, user):
    for amount in ("1", "2", "3", "4", "5"):
        t.credit(stack, user.profile_id, "BTC", amount)
    t.credit(stack, user.profile_id, "USDT", "7")
    r = user.get("/api/p2p/wallet/history?limit=2")
    assert r.status == 200, r
    page = r.json["data"]
    assert [e["amount"] for e in page["entries"]] == ["7.000000", "5.00000000"], page
    assert page["has_more"] is True
    for e in page["entries"]:
        _entry_fields(e)
    r = user.get(f"/api/p2p/wallet/history?limit=3&before_id={page['entries'][-1]['id']}")
    assert [e["amount"] for e in r.json["data"]["entries"]] == ["4.00000000", "3.00000000", "2.00000000"]
    r = user.get("/api/p2p/wallet/history?asset=USDT")
    assert [e["asset"] for e in r.json["data"]["entries"]] == ["USDT"]
    assert r.json["data"]["has_more"] is False
    r = user.get("/api/p2p/wallet/history?limit=100")
    assert len(r.json["data"]["entries"]) == 6


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
    ("before_id=-1", "before_id"), ("asset=XXX", "asset"),
])
def test_history_validation(stack, user, query, field):
    h.assert_error(user.get(f"/api/p2p/wallet/history?{query}"), 400, field=field)


def test_history_is_private(stack, user, other_user):
    t.credit(stack, user.profile_id, "BTC", "1")
    r = other_user.get("/api/p2p/wallet/history")
    assert r.json["data"]["entries"] == []


def test_history_over_websocket(stack, user):
    t.credit(stack, user.profile_id, "BTC", "0.1")

    async def go():
        async with await h.ws_session(stack, user.user_id) as s:
            ok = await s.call("wallet.history", {"limit": 1})
            bad = await s.call("wallet.history", {"limit": "1"})
            return ok, bad
    ok, bad = h.run(go())
    assert ok["success"] and ok["data"]["entries"][0]["amount"] == "0.10000000", ok
    h.assert_ws_error(bad, "wallet.history", field="limit")


def test_admin_ledger_view(stack, user, other_user):
    t.credit(stack, user.profile_id, "BTC", "1")
    t.credit(stack, other_user.profile_id, "ETH", "2")
    r = t.admin(stack, "GET", f"/ledger?profile_id={user.profile_id}")
    assert r.status == 200, r
    entries = r.json["data"]["entries"]
    assert [e["profile_id"] for e in entries] == [user.profile_id]
    assert entries[0]["reference"] and entries[0]["actor"] == t.ADMIN_ID
    r = t.admin(stack, "GET", "/ledger?asset=ETH&limit=100")
    assert any(e["profile_id"] == other_user.profile_id for e in r.json["data"]["entries"])
    assert all(e["asset"] == "ETH" for e in r.json["data"]["entries"])


# ------------------------------------------------------------------ races and faults

def test_concurrent_debits_and_credits_never_go_negative(stack, user):
    """32 clients debit and credit one account at once: no balance below zero, nothing
    lost: the final balance is the start plus every accepted credit minus every accepted
    debit, and the journal agrees row by row."""
    t.credit(stack, user.profile_id, "USDT", "10")
    accepted = {"credit": Decimal(0), "debit": Decimal(0)}
    refused = []
    lock = threading.Lock()

    def one(i):
        kind = "debit" if i % 3 else "credit"
        amount = "1.5" if kind == "debit" else "0.5"
        r = (t.debit if kind == "debit" else t.credit)(stack, user.profile_id, "USDT", amount,
                                                        expect=None)
        with lock:
            if r.status == 201:
                accepted[kind] += Decimal(amount)
            else:
                assert r.status == 409 and r.json["code"] == "INSUFFICIENT_BALANCE", r
                refused.append(i)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(one, range(96)))
    available, held = t.db_wallet(user.profile_id, "USDT")
    assert available == Decimal(10) + accepted["credit"] - accepted["debit"]
    assert available >= 0 and held == 0
    assert refused, "the load should have run the balance dry at least once"
    assert t.journal_mismatches([user.profile_id]) == []
    assert t.negative_balances() == []


def test_concurrent_credits_with_one_reference_apply_once(stack, user):
    ref = t.new_reference("dup")
    statuses = []

    def one(_):
        r = t.credit(stack, user.profile_id, "BTC", "0.25", reference=ref, expect=None)
        statuses.append((r.status, r.json["data"]["entry"]["id"] if r.status < 300 else None))
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(16)))
    assert sorted(s for s, _ in statuses).count(201) == 1, statuses
    assert all(s in (200, 201) for s, _ in statuses), statuses
    assert len({i for _, i in statuses}) == 1, statuses
    assert t.db_wallet(user.profile_id, "BTC") == (Decimal("0.25"), Decimal(0))
    n = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE reference = {h.sql_literal(ref)}")
    assert int(n) == 1


def test_sigkilled_worker_leaves_every_balance_equal_to_its_journal(make_stack):
    s = make_stack("walletkill", workers=1, trade_workers=2)
    users = [h.create_user(s) for _ in range(4)]
    for u in users:
        t.credit(s, u.profile_id, "BTC", "5")
    stop = threading.Event()

    def load(u):
        i = 0
        while not stop.is_set():
            i += 1
            fn = t.debit if i % 2 else t.credit
            try:
                fn(s, u.profile_id, "BTC", "0.1", expect=None)
            except OSError:
                pass
    threads = [threading.Thread(target=load, args=(u,)) for u in users for _ in range(4)]
    for th in threads:
        th.start()
    time.sleep(1.0)
    victim = s.trade_workers[0]
    victim.signal(signal.SIGKILL)
    time.sleep(1.0)
    s.add_trade_worker()
    time.sleep(1.0)
    stop.set()
    for th in threads:
        th.join()
    s.remove_worker(victim, kill=True)
    assert t.journal_mismatches([u.profile_id for u in users]) == []
    assert t.negative_balances() == []
    assert t.asset_supply_mismatches() == []
    # and the service still works
    t.credit(s, users[0].profile_id, "BTC", "1")


def test_supply_invariant_holds(stack):
    assert t.asset_supply_mismatches() == []
    assert t.negative_balances() == []


def test_a_non_ascii_reference_is_kept_whole(stack, user):
    """A reference of 100 characters, most of them three bytes: the credit is applied and its
    notification names the whole reference (a byte-cut one made PostgreSQL refuse the
    notification, and the credit failed with 500); reusing it for another amount is a 409
    whose error text is still there (a byte-cut message was dropped from the reply)."""
    reference = "\u20ac" * 68 + uuid.uuid4().hex  # 100 characters, unique to this run
    r = t.credit(stack, user.profile_id, "USDT", "10", reference=reference)
    assert r.json["data"]["entry"]["reference"] == reference, r
    n = user.get("/api/p2p/notifications?limit=5").json["data"]["notifications"]
    credited = next(x for x in n if x["kind"] == "wallet.credited")
    assert reference in credited["body"], credited
    r = t.credit(stack, user.profile_id, "USDT", "11", reference=reference, expect=409)
    assert r.json["code"] == "CONFLICT" and "already used" in r.json["error"], r
