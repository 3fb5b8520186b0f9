"""Notifications (TRADING.md "Notifications"): stored in the transaction of their cause
for the recipients the contract lists, listed newest first with unread counts, marked
read, pushed live as notification.new; merchants' webhooks configured; deliveries queued
in the outbox with the notification."""

import asyncio

import pytest

import p2p_harness as h
import trading as t
from test_orders import act, market, place


def kinds(user, trades_only=True):
    """The kinds of the user's notifications, newest first (without the wallet credits
    the test set-up makes, unless asked)."""
    r = user.get("/api/p2p/notifications?limit=100")
    assert r.status == 200, r
    return [n["kind"] for n in r.json["data"]["notifications"]
            if not trades_only or n["kind"] != "wallet.credited"]


def test_each_transition_notifies_who_the_contract_says(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    assert kinds(seller) == ["order.created"] and kinds(buyer) == []
    act(buyer, order["id"], "confirm")
    assert kinds(seller)[0] == "order.paid"
    act(seller, order["id"], "release")
    assert kinds(buyer) == ["order.completed"]
    n = buyer.get("/api/p2p/notifications").json["data"]["notifications"][0]
    assert set(n) >= {"id", "kind", "title", "body", "data", "read", "created_at"}
    assert n["data"]["order_id"] == order["id"] and n["read"] is False
    # cancelled: the seller hears; expired: both
    other = place(buyer, ad).json["data"]["order"]
    act(buyer, other["id"], "cancel")
    assert kinds(seller)[0] == "order.cancelled"
    third = place(buyer, ad).json["data"]["order"]
    h.psql(f"UPDATE p2p_orders SET expires_at = now() - interval '1 second' WHERE id = {third['id']}")
    act(buyer, third["id"], "confirm")  # sees it expired
    assert kinds(seller)[0] == "order.expired" and kinds(buyer)[0] == "order.expired"


def test_credit_notifies_the_wallet_owner(stack, user):
    t.credit(stack, user.profile_id, "BTC", "0.5")
    assert kinds(user, trades_only=False) == ["wallet.credited"]


def test_list_paging_unread_and_mark_read(stack):
    seller, ad, buyer = market(stack)
    seller.post("/api/p2p/notifications/read", {"all": True})  # the set-up's credit
    for _ in range(3):
        place(buyer, ad)
    data = seller.get("/api/p2p/notifications?limit=2").json["data"]
    assert data["unread_count"] == 3 and data["has_more"] is True and len(data["notifications"]) == 2
    ids = [n["id"] for n in data["notifications"]]
    assert ids == sorted(ids, reverse=True)
    older = seller.get(f"/api/p2p/notifications?before_id={ids[-1]}").json["data"]
    assert [n["kind"] for n in older["notifications"]] == ["order.created", "wallet.credited"]
    assert older["has_more"] is False
    r = seller.post("/api/p2p/notifications/read", {"ids": [ids[0]]})
    assert r.status == 200 and r.json["data"]["updated"] == 1, r
    assert seller.post("/api/p2p/notifications/read", {"ids": [ids[0]]}).json["data"]["updated"] == 0
    unread = seller.get("/api/p2p/notifications?unread_only=true").json["data"]
    assert len(unread["notifications"]) == 2 and unread["unread_count"] == 2
    assert seller.post("/api/p2p/notifications/read", {"all": True}).json["data"]["updated"] == 2
    assert seller.get("/api/p2p/notifications").json["data"]["unread_count"] == 0
    h.assert_error(seller.post("/api/p2p/notifications/read", {}), 400, field="ids")
    h.assert_error(seller.post("/api/p2p/notifications/read", {"ids": ["x"]}), 400, field="ids")
    # someone else's ids change nothing
    assert buyer.post("/api/p2p/notifications/read", {"ids": ids}).json["data"]["updated"] == 0


def test_notification_new_is_pushed(stack):
    seller, ad, buyer = market(stack)

    async def go():
        s = await h.ws_session(stack, seller.user_id)
        try:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, place, buyer, ad)
            while True:
                msg = await s.recv(timeout=5)
                if msg.get("type") == "notification.new":
                    return msg
        finally:
            await s.close()
    msg = h.run(go())
    assert msg["success"] is True and msg["data"]["kind"] == "order.created" and "request_id" not in msg


def test_webhook_settings(stack, user):
    r = h.http_request(stack, "GET", "/api/p2p/webhook", token=user.token)
    assert r.status == 200 and r.json["data"]["webhook"] is None, r
    r = h.http_request(stack, "PUT", "/api/p2p/webhook", token=user.token,
                       json_body={"url": "https://merchant.example/p2p", "secret": "s" * 20})
    assert r.status == 200 and r.json["data"]["webhook"]["url"] == "https://merchant.example/p2p", r
    assert "secret" not in r.json["data"]["webhook"]
    # every notification from now on is queued for it, with the notification
    t.credit(stack, user.profile_id, "USDT", "1")
    rows = h.psql(f"SELECT channel, target FROM p2p_outbox o JOIN p2p_notifications n ON n.id = o.notification_id "
                  f"WHERE n.profile_id = {user.profile_id}").split()
    assert rows == ["webhook|https://merchant.example/p2p"], rows
    r = h.http_request(stack, "DELETE", "/api/p2p/webhook", token=user.token)
    assert r.status == 200 and r.json["data"]["deleted"] is True


@pytest.mark.parametrize("body,field", [
    ({"url": "http://merchant.example/hook", "secret": "s" * 20}, "url"),   # plain http off loopback
    ({"url": "ftp://merchant.example/hook", "secret": "s" * 20}, "url"),
    ({"url": "https://user:pw@merchant.example/", "secret": "s" * 20}, "url"),
    ({"url": "https://merchant.example:99999/hook", "secret": "s" * 20}, "url"),
    ({"url": "https://" + "\u00e9" * 150 + ".example/h", "secret": "s" * 20}, "url"),  # curl cannot send it
    ({"url": "https://merchant.example/hook", "secret": "short"}, "secret"),
    ({"url": "https://merchant.example/hook", "secret": "s" * 129}, "secret"),
    ({"url": "https://merchant.example/hook"}, "secret"),
])
def test_webhook_validation(stack, user, body, field):
    h.assert_error(h.http_request(stack, "PUT", "/api/p2p/webhook", token=user.token, json_body=body), 400,
                   field=field)


def test_loopback_http_is_allowed_for_development(stack, user):
    r = h.http_request(stack, "PUT", "/api/p2p/webhook", token=user.token,
                       json_body={"url": "http://127.0.0.1:9/hook", "secret": "s" * 16})
    assert r.status == 200, r


def test_notifications_over_websocket(stack):
    seller, ad, buyer = market(stack)
    place(buyer, ad)

    async def go():
        async with await h.ws_session(stack, seller.user_id) as s:
            listed = await s.call("notification.list", {"limit": 5})
            marked = await s.call("notification.mark_read", {"all": True})
            hook = await s.call("webhook.get", {})
            return listed, marked, hook
    listed, marked, hook = h.run(go())
    assert listed["data"]["notifications"][0]["kind"] == "order.created"
    assert marked["data"]["updated"] >= 1
    assert hook["data"]["webhook"] is None


def test_a_whole_page_can_be_marked_read_by_id(stack, user):
    """A list page holds up to 100 notifications; mark_read takes up to 100 ids (it took
    16, so marking the default page of 20 by id was a 400)."""
    t.credit(stack, user.profile_id, "USDT", "1")
    page = user.get("/api/p2p/notifications?limit=100").json["data"]["notifications"]
    ids = [n["id"] for n in page] + [10**12 + i for i in range(100 - len(page))]
    r = user.post("/api/p2p/notifications/read", {"ids": ids})
    assert r.status == 200 and r.json["data"]["updated"] == len(page), r
    assert user.get("/api/p2p/notifications").json["data"]["unread_count"] == 0
    r = user.post("/api/p2p/notifications/read", {"ids": ids + [10**12 + 500]})
    h.assert_error(r, 400, field="ids")
