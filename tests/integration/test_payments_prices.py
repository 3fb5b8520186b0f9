"""Payment methods and accounts, and index prices (TRADING.md "Payment methods and
accounts", "Prices"): the seeded catalog, operators adding and switching off methods,
users' accounts with their details private to them, prices with staleness, every admin
change audited, over REST and WebSocket."""

import json
import uuid

import pytest

import p2p_harness as h
import trading as t


def _methods(user):
    r = user.get("/api/p2p/payment-methods")
    assert r.status == 200, r
    return r.json["data"]["payment_methods"]


def _method_id(user, code):
    return next(m["id"] for m in _methods(user) if m["code"] == code)


# ------------------------------------------------------------------ payment methods

def test_catalog_has_at_least_ten_real_methods(stack, user):
    methods = _methods(user)
    assert len(methods) >= 10, methods
    for m in methods:
        assert set(m) >= {"id", "code", "name", "kind", "active"}, m
        assert m["kind"] in ("bank_transfer", "mobile_money", "e_wallet", "cash", "other"), m
        assert m["active"] is True
    codes = {m["code"] for m in methods}
    assert {"mpesa", "sepa", "pix", "upi"} <= codes, codes


def test_catalog_needs_a_token(stack):
    h.assert_error(h.http_request(stack, "GET", "/api/p2p/payment-methods"), 401)


def test_operator_adds_and_switches_off_a_method(stack, user):
    code = "it_" + uuid.uuid4().hex[:10]
    r = t.admin(stack, "POST", "/payment-methods", {"code": code, "name": "Test Pay", "kind": "e_wallet"})
    assert r.status == 201, r
    method = r.json["data"]["payment_method"]
    assert method["code"] == code and method["active"] is True
    assert code in {m["code"] for m in _methods(user)}
    h.assert_error(t.admin(stack, "POST", "/payment-methods",
                           {"code": code, "name": "Again", "kind": "e_wallet"}), 409)
    r = t.admin(stack, "PUT", f"/payment-methods/{method['id']}", {"active": False})
    assert r.status == 200 and r.json["data"]["payment_method"]["active"] is False, r
    assert code not in {m["code"] for m in _methods(user)}
    # an inactive method takes no new account
    r = user.post("/api/p2p/payment-accounts",
                  {"payment_method_id": method["id"], "label": "x", "details": {"a": "b"}})
    h.assert_error(r, 400, field="payment_method_id")
    rows = h.psql(f"SELECT action FROM p2p_admin_audit WHERE target = 'payment_method:{method['id']}' "
                  "ORDER BY id").split()
    assert rows == ["add_payment_method", "deactivate_payment_method"], rows
    r = t.admin(stack, "PUT", f"/payment-methods/{method['id']}", {"active": True})
    assert r.status == 200 and code in {m["code"] for m in _methods(user)}


@pytest.mark.parametrize("body,field", [
    ({"name": "x", "kind": "cash"}, "code"),
    ({"code": "Bad Code", "name": "x", "kind": "cash"}, "code"),
    ({"code": "okcode", "kind": "cash"}, "name"),
    ({"code": "okcode", "name": "", "kind": "cash"}, "name"),
    ({"code": "okcode", "name": "x", "kind": "barter"}, "kind"),
    ({"code": "okcode", "name": "x", "kind": "cash", "active": 1}, "active"),
])
def test_method_validation(stack, body, field):
    h.assert_error(t.admin(stack, "POST", "/payment-methods", body), 400, field=field)


def test_method_update_validation_and_404(stack):
    h.assert_error(t.admin(stack, "PUT", "/payment-methods/99999999", {"active": False}), 404)
    h.assert_error(t.admin(stack, "PUT", "/payment-methods/1", {"active": "no"}), 400, field="active")
    h.assert_error(t.admin(stack, "PUT", "/payment-methods/1", {}), 400, field="active")


# ------------------------------------------------------------------ payment accounts

def test_accounts_create_list_delete(stack, user, other_user):
    mpesa = _method_id(user, "mpesa")
    details = {"phone": "+254700000001", "name": "Alice W"}
    r = user.post("/api/p2p/payment-accounts",
                  {"payment_method_id": mpesa, "label": "My M-Pesa", "details": details})
    assert r.status == 201, r
    acct = r.json["data"]["payment_account"]
    assert acct["label"] == "My M-Pesa" and acct["details"] == details
    assert acct["payment_method"]["id"] == mpesa and acct["payment_method"]["name"]
    r = user.get("/api/p2p/payment-accounts")
    assert [a["id"] for a in r.json["data"]["payment_accounts"]] == [acct["id"]]
    # nobody else sees it, nor may delete it
    assert other_user.get("/api/p2p/payment-accounts").json["data"]["payment_accounts"] == []
    r = h.http_request(stack, "DELETE", f"/api/p2p/payment-accounts/{acct['id']}", token=other_user.token)
    h.assert_error(r, 403)
    r = h.http_request(stack, "DELETE", f"/api/p2p/payment-accounts/{acct['id']}", token=user.token)
    assert r.status == 200, r
    assert user.get("/api/p2p/payment-accounts").json["data"]["payment_accounts"] == []
    r = h.http_request(stack, "DELETE", f"/api/p2p/payment-accounts/{acct['id']}", token=user.token)
    h.assert_error(r, 404)


@pytest.mark.parametrize("patch,field", [
    ({"payment_method_id": None}, "payment_method_id"),
    ({"payment_method_id": "1"}, "payment_method_id"),
    ({"payment_method_id": 99999999}, "payment_method_id"),
    ({"label": ""}, "label"),
    ({"label": "x" * 51}, "label"),
    ({"details": "text"}, "details"),
    ({"details": {"n": 5}}, "details"),
    ({"details": {"n": {"nested": "x"}}}, "details"),
    ({"details": {"k": "v" * 2100}}, "details"),
    ({"color": "red"}, "color"),
])
def test_account_validation(stack, user, patch, field):
    body = {"payment_method_id": 1, "label": "ok", "details": {"account": "123"}}
    body.update(patch)
    body = {k: v for k, v in body.items() if v is not None}
    h.assert_error(user.post("/api/p2p/payment-accounts", body), 400, field=field)
    assert user.get("/api/p2p/payment-accounts").json["data"]["payment_accounts"] == []


def test_suspended_user_cannot_add_accounts_but_can_list(stack, user):
    h.db_update_profile(user.user_id, is_suspended=True, suspension_reason="test")
    r = user.post("/api/p2p/payment-accounts",
                  {"payment_method_id": 1, "label": "x", "details": {"a": "b"}})
    body = h.assert_error(r, 403)
    assert body["code"] == "ACCOUNT_SUSPENDED", body
    assert user.get("/api/p2p/payment-accounts").status == 200


def test_accounts_over_websocket(stack, user):
    async def go():
        async with await h.ws_session(stack, user.user_id) as s:
            methods = await s.call("payment_method.list", {})
            mid = methods["data"]["payment_methods"][0]["id"]
            made = await s.call("payment_account.create",
                                {"payment_method_id": mid, "label": "Bank", "details": {"iban": "X1"}})
            listed = await s.call("payment_account.list", {})
            gone = await s.call("payment_account.delete", {"id": made["data"]["payment_account"]["id"]})
            again = await s.call("payment_account.delete", {"id": made["data"]["payment_account"]["id"]})
            bad = await s.call("payment_account.delete", {"id": "x"})
            return made, listed, gone, again, bad
    made, listed, gone, again, bad = h.run(go())
    assert made["success"], made
    assert len(listed["data"]["payment_accounts"]) == 1
    assert gone["success"], gone
    assert again["success"] is False and again["code"] == "NOT_FOUND", again
    h.assert_ws_error(bad, "payment_account.delete", field="id")


# ------------------------------------------------------------------ prices

def test_operator_sets_prices_and_users_list_them(stack, user):
    r = t.set_price(stack, "BTC", "USD", "64250.10")
    assert r.json["data"]["price"]["price"] == "64250.10", r
    t.set_price(stack, "USDT", "JPY", "151")
    r = user.get("/api/p2p/prices")
    assert r.status == 200, r
    prices = {(p["asset"], p["fiat"]): p for p in r.json["data"]["prices"]}
    assert prices[("BTC", "USD")]["price"] == "64250.10"
    assert prices[("USDT", "JPY")]["price"] == "151"
    assert prices[("BTC", "USD")]["updated_at"].endswith("Z")
    n = h.psql("SELECT count(*) FROM p2p_admin_audit WHERE target = 'price:BTC/USD' AND action = 'set_price'")
    assert int(n) >= 1


@pytest.mark.parametrize("path,body,field", [
    ("/prices/BTC/USD", {"price": 64250.1}, "price"),
    ("/prices/BTC/USD", {"price": "64250.101"}, "price"),
    ("/prices/BTC/USD", {"price": "0"}, "price"),
    ("/prices/BTC/USD", {"price": "-1"}, "price"),
    ("/prices/USDT/JPY", {"price": "151.5"}, "price"),
    ("/prices/DOGE/USD", {"price": "1"}, "asset"),
    ("/prices/BTC/XYZ", {"price": "1"}, "fiat"),
    ("/prices/BTC/USD", {}, "price"),
])
def test_price_validation(stack, path, body, field):
    h.assert_error(t.admin(stack, "PUT", path, body), 400, field=field)


def test_price_list_over_websocket(stack, user):
    t.set_price(stack, "ETH", "EUR", "3000.00")

    async def go():
        async with await h.ws_session(stack, user.user_id) as s:
            return await s.call("price.list", {})
    msg = h.run(go())
    assert any(p["asset"] == "ETH" and p["fiat"] == "EUR" for p in msg["data"]["prices"]), msg


def test_every_fiat_currency_of_the_table_is_usable(stack, user):
    """There are ~160 fiat currencies in the world. With more than 64 rows in the table,
    trade-svc used to keep only the first 64 it read: JPY (and any currency past the cut)
    became "not one of the listed fiat currencies". Eighty added ones, the seeded ones and
    the newest all work."""
    have = int(h.psql("SELECT count(*) FROM p2p_fiat_currencies"))
    added = [t.new_fiat() for _ in range(max(0, 80 - have))] or [t.new_fiat()]
    fiats = [code for code in h.psql("SELECT code FROM p2p_fiat_currencies WHERE active").split()]
    assert len(fiats) >= 80 and "JPY" in fiats and set(added) <= set(fiats)
    for code in fiats:
        t.set_price(stack, "USDT", code, "151" if code == "JPY" else "2.50")
    prices = {(p["asset"], p["fiat"]) for p in user.get("/api/p2p/prices").json["data"]["prices"]}
    assert {("USDT", code) for code in fiats} <= prices
