"""Reviews and reputation (TRADING.md "Reviews"): a party of a completed order reviews
the other once; the average and count change with it; hidden reviews leave the list and
the average; the same figures everywhere (profile.stats, profile.get, the ad's maker
summary, review.list)."""

import concurrent.futures
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t
from test_orders import act, market, place


def completed(stack, seller=None, ad=None):
    if seller is None:
        seller, ad, _ = market(stack, btc="1")
    buyer = h.create_user(stack)
    order = place(buyer, ad).json["data"]["order"]
    act(buyer, order["id"], "confirm")
    act(seller, order["id"], "release")
    return seller, ad, buyer, order


def review(user, order_id, rating, comment=None):
    body = {"rating": rating}
    if comment is not None:
        body["comment"] = comment
    return h.http_request(user.stack, "POST", f"/api/p2p/orders/{order_id}/review", token=user.token, json_body=body)


def test_both_parties_review_once(stack):
    seller, ad, buyer, order = completed(stack)
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["can"]["review"] is True
    r = review(buyer, order["id"], 5, "Fast and friendly")
    assert r.status == 201, r
    rv = r.json["data"]["review"]
    assert rv["rating"] == 5 and rv["reviewer"]["id"] == buyer.profile_id and rv["comment"] == "Fast and friendly"
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["can"]["review"] is False
    r = review(buyer, order["id"], 1)
    assert r.status == 409 and r.json["code"] == "ALREADY_REVIEWED", r
    assert review(seller, order["id"], 4).status == 201
    kinds = [n["kind"] for n in seller.get("/api/p2p/notifications").json["data"]["notifications"]]
    assert kinds[0] == "review.received"


def test_only_completed_orders_and_their_parties(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = review(buyer, order["id"], 5)
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r
    _, _, _, done = completed(stack, seller, ad)
    stranger = h.create_user(stack)
    h.assert_error(review(stranger, done["id"], 5), 404)


@pytest.mark.parametrize("rating,comment,field", [
    (0, None, "rating"), (6, None, "rating"), ("5", None, "rating"), (4.5, None, "rating"),
    (5, "x" * 501, "comment"),
])
def test_review_validation(stack, rating, comment, field):
    seller, ad, buyer, order = completed(stack)
    h.assert_error(review(buyer, order["id"], rating, comment), 400, field=field)


def test_average_and_list_and_moderation(stack):
    seller, ad, _ = market(stack, btc="1")
    ratings = [5, 4, 2]
    reviews = []
    for rating in ratings:
        _, _, buyer, order = completed(stack, seller, ad)
        reviews.append(review(buyer, order["id"], rating).json["data"]["review"])
    listed = seller.get(f"/api/p2p/profiles/{seller.profile_id}/reviews").json["data"]
    assert [r["rating"] for r in listed["reviews"]] == [2, 4, 5] and listed["total"] == 3
    assert Decimal(str(listed["avg_rating"])) == Decimal("3.67")
    r = t.admin(stack, "POST", f"/reviews/{reviews[2]['id']}/hide", {"reason": "abusive"})
    assert r.status == 200, r
    listed = seller.get(f"/api/p2p/profiles/{seller.profile_id}/reviews").json["data"]
    assert [r["rating"] for r in listed["reviews"]] == [4, 5] and Decimal(str(listed["avg_rating"])) == Decimal("4.50")
    stats = h.db_profile(seller.user_id)
    assert Decimal(str(stats["avg_rating"])) == Decimal("4.50") and stats["total_reviews"] == 2
    h.assert_error(t.admin(stack, "POST", f"/reviews/{reviews[2]['id']}/hide", {}), 400, field="reason")
    assert t.admin(stack, "POST", f"/reviews/{reviews[2]['id']}/unhide", {}).status == 200
    assert seller.get(f"/api/p2p/profiles/{seller.profile_id}/reviews").json["data"]["total"] == 3
    actions = h.psql(f"SELECT action FROM p2p_admin_audit WHERE target = 'review:{reviews[2]['id']}' ORDER BY id")
    assert actions.split() == ["hide_review", "unhide_review"]
    h.assert_error(t.admin(stack, "POST", "/reviews/99999999/hide", {"reason": "x"}), 404)


def test_the_same_party_twice_at_once(stack):
    for _ in range(6):
        seller, ad, buyer, order = completed(stack)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda r: review(buyer, order["id"], r), [5, 1]))
        assert sorted(r.status for r in results) == [201, 409], results
        assert h.psql(f"SELECT count(*) FROM p2p_reviews WHERE order_id = {order['id']}").strip() == "1"
        assert h.db_profile(seller.user_id)["total_reviews"] == 1


def test_reputation_is_the_same_everywhere(stack):
    seller, ad, _ = market(stack, btc="1")
    for rating in (5, 3):
        _, _, buyer, order = completed(stack, seller, ad)
        review(buyer, order["id"], rating)
    cancelled_buyer = h.create_user(stack)
    o = place(cancelled_buyer, ad).json["data"]["order"]
    act(cancelled_buyer, o["id"], "cancel")
    viewer = h.create_user(stack)

    async def stats():
        async with await h.ws_session(stack, viewer.user_id) as s:
            st = await s.call("profile.stats", {"profile_id": seller.profile_id})
            pg = await s.call("profile.get", {"profile_id": seller.profile_id})
            rl = await s.call("review.list", {"profile_id": seller.profile_id})
            return st["data"], pg["data"], rl["data"]
    st, pg, rl = h.run(stats())
    maker = viewer.get(f"/api/p2p/ads/{ad['id']}").json["data"]["ad"]["maker"]
    assert st["completed_trades"] == maker["completed_trades"] == pg["completed_trades"] == 2
    assert Decimal(str(st["completion_rate"])) == Decimal(str(maker["completion_rate"])) == Decimal("100")
    avg = Decimal("4.00")
    for figure in (st["avg_rating"], pg["avg_rating"], maker["avg_rating"], rl["avg_rating"]):
        assert Decimal(str(figure)) == avg, (st, pg, maker, rl)
    assert st["total_reviews"] == maker["total_reviews"] == rl["total"] == 2
