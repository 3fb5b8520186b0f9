"""Ads (TRADING.md "Ads"): buy and sell, fixed and floating prices, limits, methods,
requirements; a sell ad's crypto held while it is open; the one visibility rule behind
every listing, count and ad.get; the listing's order; updates, pause/resume and delete.
Each test that lists uses a fiat currency of its own, so other tests' ads never show."""

import concurrent.futures
import time
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t


def _list(user, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = user.get(f"/api/p2p/ads?{query}")
    assert r.status == 200, r
    return r.json["data"]


def _ids(page):
    return [a["id"] for a in page["ads"]]


# ------------------------------------------------------------------ create

def test_sell_ad_holds_its_total_and_shows_every_field(stack):
    seller = t.seller_ready(stack, btc="1")
    r = t.post_ad(seller, total_amount="0.25")
    ad = r.json["data"]["ad"]
    for key in ("id", "profile_id", "maker", "type", "asset", "fiat", "price_type", "price",
                "margin_pct", "effective_price", "total_amount", "remaining_amount", "min_limit",
                "max_limit", "payment_method_ids", "payment_window_minutes", "terms", "auto_reply",
                "requirements", "status", "created_at", "updated_at"):
        assert key in ad, key
    assert ad["type"] == "sell" and ad["status"] == "active"
    assert ad["price"] == "50000.00" and ad["effective_price"] == "50000.00" and ad["margin_pct"] is None
    assert ad["total_amount"] == "0.25000000" and ad["remaining_amount"] == "0.25000000"
    assert ad["requirements"] == {"min_completed_trades": 0, "verified_only": False}
    maker = ad["maker"]
    assert maker["id"] == seller.profile_id
    assert set(maker) >= {"username", "is_verified", "is_merchant", "completed_trades",
                          "completion_rate", "avg_rating"}
    assert "email" not in maker and "phone_number" not in maker
    assert t.balances(seller)["BTC"] == ("0.75000000", "0.25000000")
    rows = h.psql(f"SELECT kind, amount, ad_id FROM p2p_ledger_entries WHERE profile_id = {seller.profile_id} "
                  "AND kind = 'ad_hold'").split("|")
    assert rows[0] == "ad_hold" and Decimal(rows[1]) == Decimal("0.25") and int(rows[2]) == ad["id"]
    assert t.journal_mismatches([seller.profile_id]) == []


def test_sell_ad_needs_balance_and_accounts(stack):
    poor = t.seller_ready(stack, btc="0.01")
    r = t.post_ad(poor, expect=409, total_amount="0.02")
    assert r.json["code"] == "INSUFFICIENT_BALANCE", r
    assert t.balances(poor)["BTC"] == ("0.01000000", "0.00000000")
    no_account = h.create_user(stack)
    t.credit(stack, no_account.profile_id, "BTC", "1")
    r = t.post_ad(no_account, expect=409)
    assert r.json["code"] == "PAYMENT_ACCOUNT_REQUIRED", r
    assert t.balances(no_account)["BTC"] == ("1.00000000", "0.00000000")
    assert h.psql(f"SELECT count(*) FROM p2p_ads WHERE profile_id = {no_account.profile_id}").strip() == "0"


def test_buy_ad_holds_nothing(stack):
    buyer = h.create_user(stack)
    r = t.post_ad(buyer, type="buy", total_amount="2")
    assert r.json["data"]["ad"]["type"] == "buy"
    assert t.balances(buyer)["BTC"] == ("0.00000000", "0.00000000")


def test_floating_ad_follows_the_index(stack):
    fiat = t.new_fiat()
    t.set_price(stack, "ETH", fiat, "2000.00")
    maker = h.create_user(stack)
    r = t.post_ad(maker, type="buy", asset="ETH", fiat=fiat, price_type="floating", price=None,
                  margin_pct="-1.50", total_amount="1")
    ad = r.json["data"]["ad"]
    assert ad["price"] is None and ad["margin_pct"] == "-1.50"
    assert ad["effective_price"] == "1970.00"
    t.set_price(stack, "ETH", fiat, "2100.10")
    got = maker.get(f"/api/p2p/ads/{ad['id']}").json["data"]["ad"]
    assert got["effective_price"] == "2068.60"  # 2100.10 * 0.985 = 2068.5985 -> half up


def test_floating_ad_needs_an_index(stack):
    fiat = t.new_fiat()
    maker = h.create_user(stack)
    r = t.post_ad(maker, expect=400, type="buy", fiat=fiat, price_type="floating", price=None, margin_pct="1")
    h.assert_error(r, 400, field="price_type")


@pytest.mark.parametrize("over,field", [
    ({"type": "swap"}, "type"),
    ({"type": None}, "type"),
    ({"asset": "DOGE"}, "asset"),
    ({"fiat": "XXX"}, "fiat"),
    ({"price_type": "auction"}, "price_type"),
    ({"price": None}, "price"),
    ({"price": 50000}, "price"),
    ({"price": "50000.001"}, "price"),
    ({"price": "0"}, "price"),
    ({"margin_pct": "1.00"}, "margin_pct"),           # a margin on a fixed ad
    ({"total_amount": "0.000000001"}, "total_amount"),
    ({"total_amount": "-1"}, "total_amount"),
    ({"min_limit": "100.00", "max_limit": "10.00"}, "min_limit"),
    ({"min_limit": "0"}, "min_limit"),
    ({"payment_method_ids": []}, "payment_method_ids"),
    ({"payment_method_ids": [1, 2, 3, 4, 5, 6]}, "payment_method_ids"),
    ({"payment_method_ids": [99999999]}, "payment_method_ids"),
    ({"payment_method_ids": [1, 1]}, "payment_method_ids"),
    ({"payment_window_minutes": 14}, "payment_window_minutes"),
    ({"payment_window_minutes": 1441}, "payment_window_minutes"),
    ({"terms": "x" * 2501}, "terms"),
    ({"auto_reply": "x" * 501}, "auto_reply"),
    ({"requirements": {"min_completed_trades": 10001}}, "min_completed_trades"),
    ({"requirements": {"verified_only": "yes"}}, "verified_only"),
    ({"requirements": {"karma": 1}}, "karma"),
    ({"status": "paused"}, "status"),
    ({"colour": "red"}, "colour"),
])
def test_create_validation(stack, over, field):
    seller = t.seller_ready(stack)
    r = t.post_ad(seller, expect=400, **over)
    h.assert_error(r, 400, field=field)
    assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")


def test_floating_margin_bounds(stack):
    fiat = t.new_fiat()
    t.set_price(stack, "BTC", fiat, "100.00")
    maker = h.create_user(stack)
    for margin in ("50.01", "-50.01", "1.001", "x"):
        r = t.post_ad(maker, expect=400, type="buy", fiat=fiat, price_type="floating", price=None,
                      margin_pct=margin)
        h.assert_error(r, 400, field="margin_pct")
    t.post_ad(maker, type="buy", fiat=fiat, price_type="floating", price=None, margin_pct="50.00")
    t.post_ad(maker, type="buy", fiat=fiat, price_type="floating", price=None, margin_pct="-50")


def test_jpy_has_no_decimals(stack):
    fiat = "JPY"
    maker = h.create_user(stack)
    r = t.post_ad(maker, expect=400, type="buy", fiat=fiat, price="7000000.5", min_limit="1000",
                  max_limit="100000")
    h.assert_error(r, 400, field="price")
    r = t.post_ad(maker, type="buy", fiat=fiat, price="7000000", min_limit="1000", max_limit="100000")
    assert r.json["data"]["ad"]["price"] == "7000000"


# ------------------------------------------------------------------ visibility and order

def test_listing_order_price_then_completion_rate_then_id(stack):
    fiat = t.new_fiat()
    makers = [t.seller_ready(stack) for _ in range(4)]
    # completion rates: 50%, 100%, 0% (no trades), 100%
    for m, (total, done) in zip(makers, [(2, 1), (4, 4), (0, 0), (1, 1)]):
        h.db_update_profile(m.user_id, total_trades=total, completed_trades=done)
    prices = ["101.00", "100.00", "100.00", "100.00"]
    ads = [t.post_ad(m, fiat=fiat, price=p, total_amount="1").json["data"]["ad"]["id"]
           for m, p in zip(makers, prices)]
    # sell ads: lowest price first, then completion rate, then id
    page = _list(makers[0], type="sell", asset="BTC", fiat=fiat)
    assert _ids(page) == [ads[1], ads[3], ads[2], ads[0]], page
    assert page["total"] == 4
    # buy ads: highest price first
    buyers = [h.create_user(stack) for _ in range(3)]
    bids = [t.post_ad(b, type="buy", fiat=fiat, price=p, total_amount="1").json["data"]["ad"]["id"]
            for b, p in zip(buyers, ["99.00", "99.50", "98.00"])]
    page = _list(buyers[0], type="buy", asset="BTC", fiat=fiat)
    assert _ids(page) == [bids[1], bids[0], bids[2]]
    # paging keeps the order and the total
    page = _list(makers[0], type="sell", asset="BTC", fiat=fiat, limit=2, offset=2)
    assert _ids(page) == [ads[2], ads[0]] and page["total"] == 4
    # a full page is counted by its side's own statement: buys too
    page = _list(buyers[0], type="buy", asset="BTC", fiat=fiat, limit=2)
    assert _ids(page) == [bids[1], bids[0]] and page["total"] == 3


def test_one_visibility_rule_for_list_count_and_get(stack):
    fiat = t.new_fiat()
    t.set_price(stack, "BTC", fiat, "100.00")
    viewer = h.create_user(stack)
    visible = t.seller_ready(stack)
    ok = t.post_ad(visible, fiat=fiat, total_amount="1").json["data"]["ad"]["id"]
    paused_maker = t.seller_ready(stack)
    paused = t.post_ad(paused_maker, fiat=fiat, total_amount="1").json["data"]["ad"]["id"]
    r = h.http_request(stack, "PUT", f"/api/p2p/ads/{paused}", token=paused_maker.token,
                       json_body={"status": "paused"})
    assert r.status == 200 and r.json["data"]["ad"]["status"] == "paused", r
    closed_maker = t.seller_ready(stack)
    closed = t.post_ad(closed_maker, fiat=fiat, total_amount="1").json["data"]["ad"]["id"]
    assert h.http_request(stack, "DELETE", f"/api/p2p/ads/{closed}", token=closed_maker.token).status == 200
    suspended_maker = t.seller_ready(stack)
    suspended = t.post_ad(suspended_maker, fiat=fiat, total_amount="1").json["data"]["ad"]["id"]
    h.db_update_profile(suspended_maker.user_id, is_suspended=True)
    lapsed_maker = t.seller_ready(stack)
    lapsed = t.post_ad(lapsed_maker, fiat=fiat, total_amount="1").json["data"]["ad"]["id"]
    h.db_update_profile(lapsed_maker.user_id, is_suspended=True,
                        suspended_until=h.Raw("now() - interval '1 minute'"))  # lapsed: visible
    thin_maker = t.seller_ready(stack)
    # remaining 0.00001 BTC * 100 = 0.001 < min 10.00: cannot cover min_limit
    thin = t.post_ad(thin_maker, fiat=fiat, total_amount="0.00001").json["data"]["ad"]["id"]
    stale_maker = t.seller_ready(stack)
    stale = t.post_ad(stale_maker, fiat=fiat, price_type="floating", price=None, margin_pct="0",
                      total_amount="1").json["data"]["ad"]["id"]
    fixed_ok = ok
    page = _list(viewer, type="sell", asset="BTC", fiat=fiat)
    assert set(_ids(page)) == {fixed_ok, lapsed, stale} and page["total"] == 3, page
    # the index goes stale: the floating ad leaves the listing and ad.get
    h.psql(f"UPDATE p2p_prices SET updated_at = now() - interval '1 hour' WHERE fiat = '{fiat}'")
    page = _list(viewer, type="sell", asset="BTC", fiat=fiat)
    assert set(_ids(page)) == {fixed_ok, lapsed} and page["total"] == 2, page
    for hidden in (paused, closed, suspended, thin, stale):
        h.assert_error(viewer.get(f"/api/p2p/ads/{hidden}"), 404)
    assert viewer.get(f"/api/p2p/ads/{ok}").status == 200
    # every maker still sees their own
    for maker, ad in ((paused_maker, paused), (closed_maker, closed), (suspended_maker, suspended),
                      (thin_maker, thin), (stale_maker, stale)):
        assert maker.get(f"/api/p2p/ads/{ad}").status == 200
    # the count ignores the page size: the same rule
    page = _list(viewer, type="sell", asset="BTC", fiat=fiat, limit=1)
    assert len(page["ads"]) == 1 and page["total"] == 2


def test_filters_amount_and_method(stack):
    fiat = t.new_fiat()
    a = t.seller_ready(stack)
    small = t.post_ad(a, fiat=fiat, price="100.00", min_limit="10.00", max_limit="50.00",
                      total_amount="1").json["data"]["ad"]["id"]
    b = t.seller_ready(stack, code="mpesa")
    big = t.post_ad(b, fiat=fiat, price="101.00", min_limit="60.00", max_limit="90.00", total_amount="1",
                    payment_method_ids=[t.method_id(b, "mpesa")]).json["data"]["ad"]["id"]
    c = t.seller_ready(stack)
    # remaining covers 40 but not 60: 0.5 BTC * 100 = 50
    low_stock = t.post_ad(c, fiat=fiat, price="100.00", min_limit="10.00", max_limit="500.00",
                          total_amount="0.5").json["data"]["ad"]["id"]
    viewer = h.create_user(stack)
    assert set(_ids(_list(viewer, type="sell", fiat=fiat, amount="40.00"))) == {small, low_stock}
    assert set(_ids(_list(viewer, type="sell", fiat=fiat, amount="60.00"))) == {big}
    assert set(_ids(_list(viewer, type="sell", fiat=fiat, amount="49.99"))) == {small, low_stock}
    assert set(_ids(_list(viewer, type="sell", fiat=fiat, payment_method_id=t.method_id(b, "mpesa")))) == {big}
    # one pair: every filter combination has a statement of its own, its page and its count
    mpesa = t.method_id(b, "mpesa")
    for filters, want in (({}, [small, low_stock, big]),
                          ({"amount": "40.00"}, [small, low_stock]),
                          ({"payment_method_id": mpesa}, [big]),
                          ({"payment_method_id": mpesa, "amount": "60.00"}, [big]),
                          ({"payment_method_id": mpesa, "amount": "40.00"}, [])):
        page = _list(viewer, type="sell", asset="BTC", fiat=fiat, **filters)
        assert _ids(page) == want and page["total"] == len(want), (filters, page)
        for offset in range(len(want)):  # one ad a page: the total comes from the count
            page = _list(viewer, type="sell", asset="BTC", fiat=fiat, limit=1, offset=offset, **filters)
            assert _ids(page) == want[offset:offset + 1] and page["total"] == len(want), (filters, page)
            assert page["total_is_lower_bound"] is False
    h.assert_error(viewer.get(f"/api/p2p/ads?type=sell&fiat={fiat}&amount=40.001"), 400, field="amount")
    h.assert_error(viewer.get("/api/p2p/ads?type=sell&amount=40"), 400, field="amount")
    h.assert_error(viewer.get("/api/p2p/ads"), 400, field="type")
    h.assert_error(viewer.get("/api/p2p/ads?type=both"), 400, field="type")
    h.assert_error(viewer.get("/api/p2p/ads?type=sell&limit=101"), 400, field="limit")


def test_the_total_counts_200_past_the_offset_then_is_a_lower_bound(stack):
    fiat = t.new_fiat()
    buyer = h.create_user(stack)
    first = t.post_ad(buyer, type="buy", fiat=fiat, price="1000.00", total_amount="1").json["data"]["ad"]["id"]
    # 204 more buy ads (they hold nothing: the books stay whole), copies of the first at lower prices
    h.psql("INSERT INTO p2p_ads (profile_id, type, asset, fiat, price_type, price, margin_pct, "
           "effective_price, total_amount, min_limit, max_limit, payment_method_ids) "
           "SELECT profile_id, type, asset, fiat, price_type, price - g, margin_pct, effective_price - g, "
           "total_amount, min_limit, max_limit, payment_method_ids "
           f"FROM p2p_ads, generate_series(1, 204) AS g WHERE id = {first}")
    viewer = h.create_user(stack)
    page = _list(viewer, type="buy", asset="BTC", fiat=fiat, limit=20)
    assert _ids(page)[0] == first and len(page["ads"]) == 20
    assert page["total"] == 200 and page["total_is_lower_bound"] is True, page
    page = _list(viewer, type="buy", asset="BTC", fiat=fiat, limit=20, offset=5)
    assert page["total"] == 205 and page["total_is_lower_bound"] is False, page
    page = _list(viewer, type="buy", asset="BTC", fiat=fiat, limit=20, offset=200)
    assert len(page["ads"]) == 5 and page["total"] == 205 and page["total_is_lower_bound"] is False
    assert [a["price"] for a in page["ads"]] == ["800.00", "799.00", "798.00", "797.00", "796.00"]


def test_list_over_websocket_matches_rest(stack):
    fiat = t.new_fiat()
    seller = t.seller_ready(stack)
    ad_id = t.post_ad(seller, fiat=fiat).json["data"]["ad"]["id"]
    viewer = h.create_user(stack)

    async def go():
        async with await h.ws_session(stack, viewer.user_id) as s:
            listed = await s.call("ad.list", {"type": "sell", "fiat": fiat})
            got = await s.call("ad.get", {"ad_id": ad_id})
            bad = await s.call("ad.list", {"type": "sell", "limit": "5"})
            return listed, got, bad
    listed, got, bad = h.run(go())
    assert listed["success"] and [a["id"] for a in listed["data"]["ads"]] == [ad_id], listed
    assert got["data"]["ad"]["id"] == ad_id
    rest = viewer.get(f"/api/p2p/ads/{ad_id}").json["data"]["ad"]
    assert rest == got["data"]["ad"]
    h.assert_ws_error(bad, "ad.list", field="limit")


# ------------------------------------------------------------------ update, pause, delete

def test_update_rules(stack):
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.5").json["data"]["ad"]
    url = f"/api/p2p/ads/{ad['id']}"

    def put(body, who=seller):
        return h.http_request(stack, "PUT", url, token=who.token, json_body=body)
    for field in ("type", "asset", "fiat", "price_type"):
        h.assert_error(put({field: "x"}), 400, field=field)
    h.assert_error(put({"margin_pct": "1"}), 400, field="margin_pct")
    h.assert_error(put({"min_limit": "6000.00"}), 400, field="min_limit")
    h.assert_error(put({"status": "closed"}), 400, field="status")
    r = put({"price": "51000.00", "terms": "new terms", "requirements": {"verified_only": True},
             "payment_window_minutes": 60})
    assert r.status == 200, r
    got = r.json["data"]["ad"]
    assert got["price"] == "51000.00" and got["effective_price"] == "51000.00"
    assert got["terms"] == "new terms" and got["payment_window_minutes"] == 60
    assert got["requirements"] == {"min_completed_trades": 0, "verified_only": True}
    # the total: more holds more, less gives back
    assert put({"total_amount": "0.8"}).status == 200
    assert t.balances(seller)["BTC"] == ("0.20000000", "0.80000000")
    r = put({"total_amount": "2"})
    assert r.status == 409 and r.json["code"] == "INSUFFICIENT_BALANCE", r
    assert put({"total_amount": "0.3"}).status == 200
    assert t.balances(seller)["BTC"] == ("0.70000000", "0.30000000")
    # someone else's ad
    other = h.create_user(stack)
    h.assert_error(put({"terms": "mine now"}, who=other), 403)
    h.assert_error(h.http_request(stack, "PUT", "/api/p2p/ads/99999999", token=seller.token,
                                  json_body={"terms": "x"}), 404)
    assert t.journal_mismatches([seller.profile_id]) == []


def test_delete_returns_the_hold_and_closed_ads_stay_readable(stack):
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.4").json["data"]["ad"]
    url = f"/api/p2p/ads/{ad['id']}"
    other = h.create_user(stack)
    h.assert_error(h.http_request(stack, "DELETE", url, token=other.token), 403)
    r = h.http_request(stack, "DELETE", url, token=seller.token)
    assert r.status == 200 and r.json["data"]["ad"]["status"] == "closed", r
    assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")
    kinds = h.psql(f"SELECT kind FROM p2p_ledger_entries WHERE ad_id = {ad['id']} ORDER BY id").split()
    assert kinds == ["ad_hold", "ad_release"]
    # closed: readable by its maker, changes refused
    assert seller.get(url).json["data"]["ad"]["status"] == "closed"
    r = h.http_request(stack, "PUT", url, token=seller.token, json_body={"terms": "x"})
    assert r.status == 409 and r.json["code"] == "AD_UNAVAILABLE", r
    r = h.http_request(stack, "DELETE", url, token=seller.token)
    assert r.status == 409 and r.json["code"] == "AD_UNAVAILABLE", r
    assert t.balances(seller)["BTC"] == ("1.00000000", "0.00000000")


def test_my_ads(stack):
    maker = t.seller_ready(stack, btc="1")
    a = t.post_ad(maker, total_amount="0.1").json["data"]["ad"]["id"]
    b = t.post_ad(maker, type="buy", total_amount="1").json["data"]["ad"]["id"]
    h.http_request(stack, "DELETE", f"/api/p2p/ads/{a}", token=maker.token)
    r = maker.get("/api/p2p/ads/mine")
    assert r.status == 200, r
    data = r.json["data"]
    assert _ids(data) == [b, a] and data["total"] == 2
    assert _ids(maker.get("/api/p2p/ads/mine?status=closed").json["data"]) == [a]
    h.assert_error(maker.get("/api/p2p/ads/mine?status=gone"), 400, field="status")


def test_suspended_maker_cannot_post_but_can_read(stack):
    maker = t.seller_ready(stack)
    h.db_update_profile(maker.user_id, is_suspended=True)
    r = t.post_ad(maker, expect=403)
    assert r.json["code"] == "ACCOUNT_SUSPENDED"
    assert maker.get("/api/p2p/ads/mine").status == 200
    assert maker.get("/api/p2p/ads?type=sell").status == 200


def test_concurrent_total_changes_keep_the_hold_exact(stack):
    """Many updates of one sell ad's total at once: the hold always equals the last
    total, the journal agrees."""
    seller = t.seller_ready(stack, btc="10")
    ad = t.post_ad(seller, total_amount="1").json["data"]["ad"]
    totals = [str(Decimal(i) / 10) for i in range(1, 41)]

    def put(total):
        return h.http_request(stack, "PUT", f"/api/p2p/ads/{ad['id']}", token=seller.token,
                              json_body={"total_amount": total}).status
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        assert set(pool.map(put, totals)) == {200}
    final = Decimal(seller.get(f"/api/p2p/ads/{ad['id']}").json["data"]["ad"]["total_amount"])
    available, held = t.db_wallet(seller.profile_id, "BTC")
    assert held == final and available == Decimal(10) - final
    assert t.journal_mismatches([seller.profile_id]) == []
