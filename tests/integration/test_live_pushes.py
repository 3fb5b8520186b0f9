"""Pushes reach every session of a user on every gateway (TRADING.md "Notifications ...
and live pushes"): two gateways sharing their workers; the buyer on gateway A, the seller
on gateway B with a second session on A; every push of a full trade arrives at each."""

import asyncio
import time

import p2p_harness as h
import trading as t
from test_orders import act, place


def test_a_full_trade_across_two_gateways(make_stack):
    gw_b = make_stack("live-b", workers=0, admin_workers=0, trade_workers=0)
    gw_a = make_stack("live-a", workers=1, admin_workers=1, trade_workers=2, extra_endpoints=[gw_b.worker_endpoint])
    gw_b.wait_ready()
    seller = t.seller_ready(gw_a, btc="1")
    ad = t.post_ad(seller).json["data"]["ad"]
    buyer = h.create_user(gw_a)

    async def go():
        b_on_a = await h.ws_session(gw_a, buyer.user_id)
        s_on_b = await h.ws_session(gw_b, seller.user_id)
        s_on_a = await h.ws_session(gw_a, seller.user_id)
        loop = asyncio.get_running_loop()
        order = (await loop.run_in_executor(None, place, buyer, ad)).json["data"]["order"]
        sent = await b_on_a.call("chat.send_message", {"order_id": order["id"], "text": "paying now"})
        assert sent["success"], sent
        await loop.run_in_executor(None, act, buyer, order["id"], "confirm")
        await loop.run_in_executor(None, act, seller, order["id"], "release")
        seen = {}
        for name, sess in (("buyer@A", b_on_a), ("seller@B", s_on_b), ("seller@A", s_on_a)):
            got = [m for m in sess.unmatched if isinstance(m, dict)]
            deadline = time.monotonic() + 10
            # three order.updated, and the buyer's message, are the minimum each must see
            while time.monotonic() < deadline:
                statuses = [m["data"]["order"]["status"] for m in got if m.get("type") == "order.updated"]
                texts = [m["data"]["text"] for m in got if m.get("type") == "chat.new_message"]
                if statuses[-1:] == ["COMPLETED"] and "paying now" in texts:
                    break
                try:
                    got.append(await sess.recv(timeout=max(0.1, deadline - time.monotonic())))
                except AssertionError:
                    break
            seen[name] = got
            await sess.close()
        return seen
    seen = h.run(go(), timeout=60)
    for name, msgs in seen.items():
        statuses = [m["data"]["order"]["status"] for m in msgs if m.get("type") == "order.updated"]
        assert statuses == ["PENDING_PAYMENT", "PAID", "COMPLETED"], (name, statuses)
        texts = [m["data"]["text"] for m in msgs if m.get("type") == "chat.new_message"]
        assert "paying now" in texts, (name, texts)
        assert sum(1 for m in msgs if m.get("type") == "chat.new_message" and m["data"]["sender"] == "system") >= 3
        kinds = [m["data"]["kind"] for m in msgs if m.get("type") == "notification.new"]
        if name.startswith("seller"):
            assert "order.created" in kinds and "order.paid" in kinds, (name, kinds)
        else:
            assert "order.completed" in kinds, (name, kinds)
        assert all("request_id" not in m for m in msgs if m.get("type") != "chat.send_message")
