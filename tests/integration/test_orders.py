"""Orders with escrow (TRADING.md "Orders"): the state table and who moves it, the money
each transition moves (exactly once), the profile counters, idempotent creation, the
abuse limits, expiry by exactly one process, pushes to both parties, and the races the
database must decide (each fired many times)."""

import asyncio
import concurrent.futures
import os
import subprocess
import time
import uuid
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t


def _post(user, path, body=None):
    return h.http_request(user.stack, "POST", path, token=user.token, json_body=body if body is not None else {})


def place(buyer, ad, expect=201, **over):
    body = {"ad_id": ad["id"], "payment_method_id": ad["payment_method_ids"][0], "fiat_amount": "100.00"}
    body.update(over)
    body = {k: v for k, v in body.items() if v is not None}
    r = _post(buyer, "/api/p2p/orders", body)
    if expect is not None:
        assert r.status == expect, r
    return r


def act(user, order_id, action):
    path = {"confirm": "confirm-payment", "cancel": "cancel", "release": "release"}[action]
    return _post(user, f"/api/p2p/orders/{order_id}/{path}")


def market(stack, btc="1", price="50000.00", **ad_over):
    """A seller with a sell ad and a fresh buyer."""
    seller = t.seller_ready(stack, btc=btc)
    ad = t.post_ad(seller, price=price, **ad_over).json["data"]["ad"]
    buyer = h.create_user(stack)
    return seller, ad, buyer


def profile_counts(user):
    out = h.psql(f"SELECT total_trades, completed_trades, cancelled_trades FROM p2p_profiles "
                 f"WHERE id = {user.profile_id}").strip()
    return tuple(int(x) for x in out.split("|"))


def remaining(ad_id):
    return Decimal(h.psql(f"SELECT total_amount - taken_amount FROM p2p_ads WHERE id = {ad_id}").strip())


# ------------------------------------------------------------------ the happy paths

def test_sell_ad_trade_end_to_end(stack):
    seller, ad, buyer = market(stack, btc="1", total_amount="0.1")
    r = place(buyer, ad, fiat_amount="100.00")
    order = r.json["data"]["order"]
    for key in ("id", "reference", "ad_id", "type", "buyer", "seller", "maker_id", "asset", "fiat", "price",
                "crypto_amount", "fiat_amount", "payment_method", "payment_account", "status", "expires_at",
                "paid_at", "completed_at", "cancelled_at", "created_at", "dispute", "can", "events"):
        assert key in order, key
    assert len(order["reference"]) == 8
    assert order["status"] == "PENDING_PAYMENT" and order["type"] == "sell"
    assert order["buyer"]["id"] == buyer.profile_id and order["seller"]["id"] == seller.profile_id
    assert order["price"] == "50000.00" and order["crypto_amount"] == "0.00200000" and order["fiat_amount"] == "100.00"
    assert order["payment_account"]["details"]["iban"] == "DE00 1234"
    assert order["can"] == {"cancel": True, "confirm_payment": True, "release": False, "dispute": False,
                            "review": False}
    assert [e["status"] for e in order["events"]] == ["PENDING_PAYMENT"] and order["events"][0]["by"] == "buyer"
    # the escrow comes from the ad's hold: the seller's wallet does not move
    assert t.balances(seller)["BTC"] == ("0.90000000", "0.10000000")
    assert remaining(ad["id"]) == Decimal("0.098")
    seen = seller.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]
    assert seen["can"] == {"cancel": False, "confirm_payment": False, "release": False, "dispute": False,
                           "review": False}
    assert seen["payment_account"] == order["payment_account"]

    r = act(buyer, order["id"], "confirm")
    assert r.status == 200 and r.json["data"]["order"]["status"] == "PAID", r
    assert r.json["data"]["order"]["paid_at"]
    r = act(seller, order["id"], "release")
    done = r.json["data"]["order"]
    assert r.status == 200 and done["status"] == "COMPLETED", r
    assert done["payment_account"] is None  # nobody sees it once the order is final
    assert [e["status"] for e in done["events"]] == ["PENDING_PAYMENT", "PAID", "COMPLETED"]
    assert [e["by"] for e in done["events"]] == ["buyer", "buyer", "seller"]
    assert t.balances(buyer)["BTC"] == ("0.00200000", "0.00000000")
    assert t.balances(seller)["BTC"] == ("0.90000000", "0.09800000")
    assert profile_counts(buyer) == (1, 1, 0) and profile_counts(seller) == (1, 1, 0)
    kinds = h.psql(f"SELECT kind, profile_id, amount FROM p2p_ledger_entries WHERE order_id = {order['id']} "
                   "ORDER BY id").split()
    assert [k.split("|")[0] for k in kinds] == ["order_hold", "release", "release"], kinds
    assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []
    assert t.asset_supply_mismatches() == []


def test_buy_ad_trade_holds_the_takers_crypto(stack):
    maker = h.create_user(stack)  # the maker buys
    ad = t.post_ad(maker, type="buy", price="50000.00").json["data"]["ad"]
    seller = t.seller_ready(stack, btc="0.5")
    r = place(seller, ad, fiat_amount=None, crypto_amount="0.01")
    order = r.json["data"]["order"]
    assert order["fiat_amount"] == "500.00" and order["buyer"]["id"] == maker.profile_id
    assert order["events"][0]["by"] == "seller"
    assert t.balances(seller)["BTC"] == ("0.49000000", "0.01000000")
    assert act(maker, order["id"], "confirm").status == 200
    assert act(seller, order["id"], "release").status == 200
    assert t.balances(maker)["BTC"] == ("0.01000000", "0.00000000")
    assert t.balances(seller)["BTC"] == ("0.49000000", "0.00000000")


def test_buy_ad_taker_needs_balance_and_an_account(stack):
    maker = h.create_user(stack)
    ad = t.post_ad(maker, type="buy").json["data"]["ad"]
    broke = t.seller_ready(stack, btc="0.0001")
    r = place(broke, ad, expect=409, fiat_amount=None, crypto_amount="0.01")
    assert r.json["code"] == "INSUFFICIENT_BALANCE", r
    no_account = h.create_user(stack)
    t.credit(stack, no_account.profile_id, "BTC", "1")
    r = place(no_account, ad, expect=409)
    assert r.json["code"] == "PAYMENT_ACCOUNT_REQUIRED", r
    assert t.balances(no_account)["BTC"] == ("1.00000000", "0.00000000")
    assert h.psql(f"SELECT count(*) FROM p2p_orders WHERE ad_id = {ad['id']}").strip() == "0"


def test_cancel_returns_the_escrow_to_the_ad(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = act(buyer, order["id"], "cancel")
    assert r.status == 200 and r.json["data"]["order"]["status"] == "CANCELLED", r
    assert r.json["data"]["order"]["cancelled_at"]
    assert remaining(ad["id"]) == Decimal("0.1")
    assert t.balances(seller)["BTC"] == ("0.90000000", "0.10000000")
    assert profile_counts(buyer) == (1, 0, 1) and profile_counts(seller) == (0, 0, 0)
    kinds = h.psql(f"SELECT kind FROM p2p_ledger_entries WHERE order_id = {order['id']} ORDER BY id").split()
    assert kinds == ["order_hold", "refund"]


def test_buy_ad_cancel_returns_to_the_seller(stack):
    maker = h.create_user(stack)
    ad = t.post_ad(maker, type="buy").json["data"]["ad"]
    seller = t.seller_ready(stack, btc="1")
    order = place(seller, ad, fiat_amount="500.00").json["data"]["order"]
    assert t.balances(seller)["BTC"] == ("0.99000000", "0.01000000")
    assert act(maker, order["id"], "cancel").status == 200
    assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")
    assert remaining(ad["id"]) == Decimal("0.1")


# ------------------------------------------------------------------ who may do what

def test_out_of_role_and_strangers(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    h.assert_error(act(seller, order["id"], "cancel"), 403)
    h.assert_error(act(seller, order["id"], "confirm"), 403)
    h.assert_error(act(buyer, order["id"], "release"), 403)
    stranger = h.create_user(stack)
    for action in ("confirm", "cancel", "release"):
        h.assert_error(act(stranger, order["id"], action), 404)
    h.assert_error(stranger.get(f"/api/p2p/orders/{order['id']}"), 404)
    h.assert_error(buyer.get("/api/p2p/orders/99999999"), 404)
    # wrong state: 409 with the order as it is
    r = act(seller, order["id"], "release")  # in role, too early: the state says no
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r
    act(buyer, order["id"], "confirm")
    r = act(buyer, order["id"], "cancel")
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r
    assert r.json["data"]["order"]["status"] == "PAID"
    assert t.balances(buyer)["BTC"] == ("0.00000000", "0.00000000")


def test_a_failed_read_is_not_order_not_found(stack):
    """The order read that answers order.get (and every transition, after its commit)
    failing in the database is a server error, never 404 "Order not found": a seller
    told that of an order just released would think it gone."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    user = h.psql("SELECT current_user").strip()
    h.psql(f"REVOKE SELECT ON p2p_order_events FROM {user}")  # only the order's read uses it
    try:
        r = buyer.get(f"/api/p2p/orders/{order['id']}")
    finally:
        h.psql(f"GRANT SELECT ON p2p_order_events TO {user}")
    assert r.status >= 500 and r.json["code"] != "NOT_FOUND", r
    assert buyer.get(f"/api/p2p/orders/{order['id']}").status == 200


def test_suspended_party_cannot_act_but_can_read(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    h.db_update_profile(buyer.user_id, is_suspended=True)
    r = act(buyer, order["id"], "confirm")
    assert r.status == 403 and r.json["code"] == "ACCOUNT_SUSPENDED", r
    assert buyer.get(f"/api/p2p/orders/{order['id']}").status == 200


# ------------------------------------------------------------------ the rules of order.create

def test_create_rules(stack):
    seller, ad, buyer = market(stack, total_amount="0.01", min_limit="50.00", max_limit="400.00")
    r = place(seller, ad, expect=409)
    assert r.json["code"] == "OWN_AD"
    for amount in ("49.99", "400.01", "500.00"):  # below min, above max, above what is left (0.01 BTC = 500)
        r = place(buyer, ad, expect=409, fiat_amount=amount)
        assert r.json["code"] == "AMOUNT_OUT_OF_RANGE", (amount, r)
    h.assert_error(place(buyer, ad, expect=400, crypto_amount="0.001"), 400)  # both amounts
    h.assert_error(place(buyer, ad, expect=400, fiat_amount=None), 400)
    h.assert_error(place(buyer, ad, expect=400, fiat_amount=100), 400, field="fiat_amount")
    h.assert_error(place(buyer, ad, expect=400, fiat_amount="100.001"), 400, field="fiat_amount")
    h.assert_error(place(buyer, ad, expect=400, payment_method_id=t.method_id(buyer, "mpesa")), 400,
                   field="payment_method_id")
    h.assert_error(place(buyer, ad, expect=400, client_order_id="bad id!"), 400, field="client_order_id")
    h.assert_error(_post(buyer, "/api/p2p/orders", {"ad_id": 99999999, "payment_method_id": 1,
                                                    "fiat_amount": "1.00"}), 404)
    r = h.http_request(stack, "PUT", f"/api/p2p/ads/{ad['id']}", token=seller.token, json_body={"status": "paused"})
    assert r.status == 200
    r = place(buyer, ad, expect=409)
    assert r.json["code"] == "AD_UNAVAILABLE"
    assert h.psql(f"SELECT count(*) FROM p2p_orders WHERE ad_id = {ad['id']}").strip() == "0"


def test_conversion_rounding(stack):
    seller, ad, buyer = market(stack, price="64250.10", min_limit="1.00")
    order = place(buyer, ad, fiat_amount="100.00").json["data"]["order"]
    assert order["crypto_amount"] == "0.00155641"  # fiat / price rounded down
    other = h.create_user(stack)
    order = place(other, ad, fiat_amount=None, crypto_amount="0.00155641").json["data"]["order"]
    assert order["fiat_amount"] == "100.00"  # 99.9994... rounded half up
    tiny = h.create_user(stack)
    r = place(tiny, ad, expect=None, fiat_amount=None, crypto_amount="0.00000001")
    assert r.status in (400, 409), r  # 0.00064 USD rounds to zero fiat, or below min


def test_requirements(stack):
    seller = t.seller_ready(stack)
    ad = t.post_ad(seller, requirements={"min_completed_trades": 3, "verified_only": True}).json["data"]["ad"]
    newbie = h.create_user(stack)
    r = place(newbie, ad, expect=403)
    assert r.json["code"] == "REQUIREMENTS_NOT_MET"
    h.db_update_profile(newbie.user_id, completed_trades=3, total_trades=3)
    assert place(newbie, ad, expect=403).json["code"] == "REQUIREMENTS_NOT_MET"
    h.db_update_profile(newbie.user_id, is_verified=True)
    place(newbie, ad)


def test_open_order_and_daily_cancel_limits(make_stack):
    s = make_stack("limits", workers=1, env={"P2P_MAX_OPEN_ORDERS": "2", "P2P_MAX_DAILY_CANCELS": "2"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller).json["data"]["ad"]
    buyer = h.create_user(s)
    first = place(buyer, ad).json["data"]["order"]
    second = place(buyer, ad).json["data"]["order"]
    r = place(buyer, ad, expect=409)
    assert r.json["code"] == "TOO_MANY_OPEN_ORDERS"
    act(buyer, first["id"], "cancel")
    act(buyer, second["id"], "cancel")
    r = place(buyer, ad, expect=403)
    assert r.json["code"] == "CANCEL_LIMIT_REACHED"


def test_client_order_id_makes_create_idempotent(stack):
    seller, ad, buyer = market(stack)
    r1 = place(buyer, ad, client_order_id="my-order_1")
    r2 = place(buyer, ad, expect=200, client_order_id="my-order_1")
    assert r1.json["data"]["order"]["id"] == r2.json["data"]["order"]["id"]
    assert remaining(ad["id"]) == Decimal("0.098")
    # another user's same id is theirs
    other = h.create_user(stack)
    r3 = place(other, ad, client_order_id="my-order_1")
    assert r3.json["data"]["order"]["id"] != r1.json["data"]["order"]["id"]


def test_concurrent_retries_with_one_client_order_id(stack):
    seller, ad, buyer = market(stack)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: place(buyer, ad, expect=None, client_order_id="retry-1"), range(8)))
    assert sorted(r.status for r in results).count(201) == 1, results
    assert {r.json["data"]["order"]["id"] for r in results} == {results[0].json["data"]["order"]["id"]}
    assert remaining(ad["id"]) == Decimal("0.098")


def test_ad_with_open_orders_cannot_close(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = h.http_request(stack, "DELETE", f"/api/p2p/ads/{ad['id']}", token=seller.token)
    assert r.status == 409 and r.json["code"] == "AD_HAS_OPEN_ORDERS", r
    act(buyer, order["id"], "cancel")
    r = h.http_request(stack, "DELETE", f"/api/p2p/ads/{ad['id']}", token=seller.token)
    assert r.status == 200
    assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")


def test_order_list_filters(stack):
    seller, ad, buyer = market(stack)
    a = place(buyer, ad).json["data"]["order"]["id"]
    b = place(buyer, ad).json["data"]["order"]["id"]
    act(buyer, a, "cancel")
    data = buyer.get("/api/p2p/orders").json["data"]
    assert [o["id"] for o in data["orders"]] == [b, a] and data["total"] == 2
    assert [o["id"] for o in buyer.get("/api/p2p/orders?status=CANCELLED").json["data"]["orders"]] == [a]
    assert [o["id"] for o in buyer.get("/api/p2p/orders?status=CANCELLED,PENDING_PAYMENT").json["data"]["orders"]] \
        == [b, a]
    assert buyer.get("/api/p2p/orders?role=seller").json["data"]["orders"] == []
    assert [o["id"] for o in seller.get("/api/p2p/orders?role=seller").json["data"]["orders"]] == [b, a]
    h.assert_error(buyer.get("/api/p2p/orders?status=DONE"), 400, field="status")
    h.assert_error(buyer.get("/api/p2p/orders?role=maker"), 400, field="role")

    async def go():
        async with await h.ws_session(stack, buyer.user_id) as s:
            return await s.call("order.list", {"status": ["CANCELLED"], "limit": 5})
    msg = h.run(go())
    assert [o["id"] for o in msg["data"]["orders"]] == [a]


# ------------------------------------------------------------------ live pushes

def test_both_parties_hear_every_transition(stack):
    seller, ad, buyer = market(stack)

    async def go():
        b = await h.ws_session(stack, buyer.user_id)
        s = await h.ws_session(stack, seller.user_id)
        s2 = await h.ws_session(stack, seller.user_id)  # a second session of the seller
        loop = asyncio.get_running_loop()
        order = (await loop.run_in_executor(None, place, buyer, ad)).json["data"]["order"]
        await loop.run_in_executor(None, act, buyer, order["id"], "confirm")
        await loop.run_in_executor(None, act, seller, order["id"], "release")
        seen = {}
        for name, sess in (("buyer", b), ("seller", s), ("seller2", s2)):
            statuses = []
            while len(statuses) < 3:
                msg = await sess.recv(timeout=5)
                if msg.get("type") == "order.updated":
                    assert "request_id" not in msg
                    statuses.append(msg["data"]["order"]["status"])
                    if name == "buyer":
                        assert msg["data"]["order"]["can"]["release"] is False
            seen[name] = statuses
            await sess.close()
        return seen
    seen = h.run(go())
    for name in ("buyer", "seller", "seller2"):
        assert seen[name] == ["PENDING_PAYMENT", "PAID", "COMPLETED"], seen


# ------------------------------------------------------------------ time

def test_a_call_after_the_deadline_sees_the_order_expired(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    h.psql(f"UPDATE p2p_orders SET expires_at = now() - interval '1 second' WHERE id = {order['id']}")
    r = act(buyer, order["id"], "confirm")
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r
    assert r.json["data"]["order"]["status"] == "EXPIRED"
    assert remaining(ad["id"]) == Decimal("0.1")
    assert profile_counts(buyer) == (1, 0, 1)


def test_expiry_by_exactly_one_of_two_workers(make_stack):
    # a 15-minute window in 3 s
    s = make_stack("expiry", workers=1, trade_workers=2, env={"P2P_TRADE_TIME_SCALE": "300"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller, payment_window_minutes=15).json["data"]["ad"]
    buyers = [h.create_user(s) for _ in range(6)]
    orders = [place(b, ad).json["data"]["order"] for b in buyers]
    deadline = time.monotonic() + 3 + 5 + 5  # the window, the contract's 5 s, margin for a loaded machine
    ids = ",".join(str(o["id"]) for o in orders)

    def all_expired():
        return h.psql(f"SELECT count(*) FROM p2p_orders WHERE id IN ({ids}) AND status = 'EXPIRED'").strip() == "6"
    h.wait_until(all_expired, timeout=deadline - time.monotonic(), what="every order expired")
    late = h.psql(f"SELECT max(cancelled_at - expires_at) < interval '5 seconds' FROM p2p_orders WHERE id IN ({ids})")
    assert late.strip() == "t", late
    events = h.psql(f"SELECT count(*) FROM p2p_order_events WHERE order_id IN ({ids}) AND status = 'EXPIRED'")
    assert events.strip() == "6"
    refunds = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id IN ({ids}) AND kind = 'refund'")
    assert refunds.strip() == "6"
    assert remaining(ad["id"]) == Decimal("0.1")
    assert t.journal_mismatches([seller.profile_id]) == []


# ------------------------------------------------------------------ races

ROUNDS = 12


def paid_order(stack, ad):
    """A new buyer's order on ad, already marked paid: (buyer, order)."""
    buyer = h.create_user(stack)
    order = place(buyer, ad).json["data"]["order"]
    act(buyer, order["id"], "confirm")
    return buyer, order


def _race(fn_a, fn_b):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        fa, fb = pool.submit(fn_a), pool.submit(fn_b)
        return fa.result(), fb.result()


def test_race_cancel_against_confirm(stack):
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.5").json["data"]["ad"]
    outcomes = set()
    for _ in range(ROUNDS):
        buyer = h.create_user(stack)
        order = place(buyer, ad).json["data"]["order"]
        ra, rb = _race(lambda: act(buyer, order["id"], "cancel"), lambda: act(buyer, order["id"], "confirm"))
        assert sorted([ra.status, rb.status]) == [200, 409], (ra, rb)
        loser = ra if ra.status == 409 else rb
        assert loser.json["code"] == "ORDER_STATE_CHANGED"
        final = h.psql(f"SELECT status FROM p2p_orders WHERE id = {order['id']}").strip()
        outcomes.add(final)
        refunds = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id = {order['id']} AND kind = 'refund'")
        assert refunds.strip() == ("1" if final == "CANCELLED" else "0")
    assert outcomes <= {"CANCELLED", "PAID"}
    assert t.journal_mismatches([seller.profile_id]) == []


def test_race_double_release(stack):
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.5").json["data"]["ad"]
    for _ in range(ROUNDS):
        buyer, order = paid_order(stack, ad)
        ra, rb = _race(lambda: act(seller, order["id"], "release"), lambda: act(seller, order["id"], "release"))
        assert sorted([ra.status, rb.status]) == [200, 409], (ra, rb)
        assert t.balances(buyer)["BTC"] == ("0.00200000", "0.00000000")
        releases = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id = {order['id']} "
                          "AND kind = 'release'")
        assert releases.strip() == "2"  # one row per wallet, once
    assert profile_counts(seller) == (ROUNDS, ROUNDS, 0)
    assert t.journal_mismatches([seller.profile_id]) == []


def test_race_two_takers_for_the_last_remainder(stack):
    for _ in range(ROUNDS):
        seller = t.seller_ready(stack, btc="1")
        ad = t.post_ad(seller, total_amount="0.002", min_limit="10.00").json["data"]["ad"]  # 100 USD worth
        b1, b2 = h.create_user(stack), h.create_user(stack)
        ra, rb = _race(lambda: place(b1, ad, expect=None), lambda: place(b2, ad, expect=None))
        assert sorted([ra.status, rb.status]) == [201, 409], (ra, rb)
        loser = ra if ra.status == 409 else rb
        assert loser.json["code"] in ("AMOUNT_OUT_OF_RANGE", "AD_UNAVAILABLE"), loser
        assert remaining(ad["id"]) == 0
        assert h.psql(f"SELECT count(*) FROM p2p_orders WHERE ad_id = {ad['id']}").strip() == "1"


def test_race_ad_delete_against_a_new_order(stack):
    for _ in range(ROUNDS):
        seller, ad, buyer = market(stack)
        ra, rb = _race(lambda: h.http_request(stack, "DELETE", f"/api/p2p/ads/{ad['id']}", token=seller.token),
                       lambda: place(buyer, ad, expect=None))
        if ra.status == 200:  # the ad closed first: the order found it closed
            assert rb.status == 409 and rb.json["code"] == "AD_UNAVAILABLE", rb
            assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")
        else:  # the order came first: the ad has an open order
            assert ra.json["code"] == "AD_HAS_OPEN_ORDERS" and rb.status == 201, (ra, rb)
            assert t.balances(seller)["BTC"] == ("0.90000000", "0.10000000")
        assert t.journal_mismatches([seller.profile_id]) == []


def test_race_expiry_against_confirm(stack):
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.5").json["data"]["ad"]
    for _ in range(ROUNDS):
        buyer = h.create_user(stack)
        order = place(buyer, ad).json["data"]["order"]
        # the deadline passes as the buyer confirms; the sweeper may be at it too
        h.psql(f"UPDATE p2p_orders SET expires_at = now() + interval '50 milliseconds' WHERE id = {order['id']}")
        time.sleep(0.05)
        r = act(buyer, order["id"], "confirm")
        final = h.psql(f"SELECT status FROM p2p_orders WHERE id = {order['id']}").strip()
        if r.status == 200:
            assert final == "PAID"
        else:
            assert r.json["code"] == "ORDER_STATE_CHANGED" and final == "EXPIRED", (r, final)
        refunds = int(h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id = {order['id']} "
                             "AND kind = 'refund'"))
        assert refunds == (1 if final == "EXPIRED" else 0)
    assert t.journal_mismatches([seller.profile_id]) == []


class RowLock:
    """A psql session that holds FOR SHARE on one order: the sweeper (FOR UPDATE SKIP
    LOCKED) passes it over, while reads go on. Released on exit."""

    def __init__(self, order_id):
        self.order_id = order_id

    def __enter__(self):
        self.proc = subprocess.Popen(["psql", os.environ["DATABASE_URL"], "-X", "-q", "-A", "-t"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.proc.stdin.write(f"BEGIN; SELECT 'locked' FROM p2p_orders WHERE id = {self.order_id} FOR SHARE;\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "locked"
        return self

    def __exit__(self, *exc):
        self.proc.communicate("COMMIT;\n", timeout=15)


def test_an_unpaid_order_past_its_deadline_is_expired_before_the_sweeper_runs(make_stack):
    """TRADING.md: state is judged at the moment of the call. An unpaid order past
    expires_at that the sweeper has not reached yet (here: held back by a row lock) reads
    EXPIRED, with no payment account and nothing to do, and no longer counts toward the
    buyer's open orders; once the lock goes, the sweeper expires it and returns the escrow."""
    s = make_stack("judged", workers=1, env={"P2P_MAX_OPEN_ORDERS": "2"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller).json["data"]["ad"]
    buyer = h.create_user(s)
    late = place(buyer, ad).json["data"]["order"]
    place(buyer, ad)
    assert place(buyer, ad, expect=409).json["code"] == "TOO_MANY_OPEN_ORDERS"
    for _ in range(5):
        h.psql(f"UPDATE p2p_orders SET expires_at = now() + interval '1 second' WHERE id = {late['id']}")
        with RowLock(late["id"]):
            time.sleep(1.2)  # past expires_at, under the lock
            if h.psql(f"SELECT status FROM p2p_orders WHERE id = {late['id']}").strip() != "PENDING_PAYMENT":
                break  # the sweeper took it before the lock: no proof, try again
            got = buyer.get(f"/api/p2p/orders/{late['id']}").json["data"]["order"]
            assert got["status"] == "EXPIRED" and got["payment_account"] is None, got
            assert not any(got["can"].values()), got["can"]
            listed = buyer.get("/api/p2p/orders").json["data"]["orders"]
            assert next(o for o in listed if o["id"] == late["id"])["status"] == "EXPIRED"
            place(buyer, ad)  # the expired one no longer counts as open
            break
    else:
        raise AssertionError("the sweeper expired the order before it could be locked, five times")
    h.wait_until(lambda: h.psql(f"SELECT status FROM p2p_orders WHERE id = {late['id']}").strip() == "EXPIRED",
                 timeout=10, what="the sweeper expired the order once the lock was gone")


def test_an_order_on_a_method_taken_out_of_service_is_refused(stack):
    """An operator switches a payment method off after an ad offering it was posted: new
    orders with it are refused naming the field (they used to go through on the dead
    method); the ad's other method still works, and switched back on it works again."""
    code = "it_" + uuid.uuid4().hex[:10]
    r = t.admin(stack, "POST", "/payment-methods", {"code": code, "name": "Soon Gone", "kind": "e_wallet"})
    assert r.status == 201, r
    gone = r.json["data"]["payment_method"]["id"]
    seller = t.seller_ready(stack, btc="1")
    t.add_account(seller, code)
    sepa = t.method_id(seller, "sepa")
    ad = t.post_ad(seller, payment_method_ids=[gone, sepa]).json["data"]["ad"]
    buyer = h.create_user(stack)
    assert t.admin(stack, "PUT", f"/payment-methods/{gone}", {"active": False}).status == 200
    try:
        before = remaining(ad["id"])
        r = place(buyer, ad, expect=None, payment_method_id=gone)
        h.assert_error(r, 400, field="payment_method_id")
        assert remaining(ad["id"]) == before
        place(buyer, ad, payment_method_id=sepa)
    finally:
        assert t.admin(stack, "PUT", f"/payment-methods/{gone}", {"active": True}).status == 200
    place(buyer, ad, payment_method_id=gone)
