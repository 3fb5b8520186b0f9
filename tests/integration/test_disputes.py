"""Disputes (TRADING.md "Disputes"): who may raise when, evidence from both parties, the
moderators' queue and case file, an admin's message into the chat, rulings that move the
escrow, the order, the counters, the notifications and the audit row in one transaction
(two admins at once: one ruling), and the automatic rule run once by the timer."""

import concurrent.futures
import time
from decimal import Decimal

import pytest

import p2p_harness as h
import trading as t
from test_chat import PNG, upload
from test_orders import act, market, place, profile_counts, remaining

DESCRIPTION = "The buyer says they paid but nothing arrived in my account."


def raise_dispute(user, order_id, reason="payment_not_received", description=DESCRIPTION):
    return h.http_request(user.stack, "POST", f"/api/p2p/orders/{order_id}/dispute", token=user.token,
                          json_body={"reason": reason, "description": description})


def paid_order(stack, **market_over):
    seller, ad, buyer = market(stack, **market_over)
    order = place(buyer, ad).json["data"]["order"]
    act(buyer, order["id"], "confirm")
    return seller, ad, buyer, order


def admin(stack, method, path, body=h._NO_BODY):
    return t.admin(stack, method, path, body)


def test_seller_raises_at_once_and_the_order_is_disputed(stack):
    seller, ad, buyer, order = paid_order(stack)
    r = raise_dispute(seller, order["id"])
    assert r.status == 201, r
    d = r.json["data"]["dispute"]
    for key in ("id", "order_id", "raised_by", "reason", "description", "status", "outcome", "note",
                "resolved_by", "respond_by", "created_at", "resolved_at", "evidence"):
        assert key in d, key
    assert d["raised_by"] == "seller" and d["status"] == "open" and d["outcome"] is None and d["evidence"] == []
    got = buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]
    assert got["status"] == "DISPUTED" and got["dispute"]["id"] == d["id"]
    assert got["events"][-1]["status"] == "DISPUTED" and got["events"][-1]["by"] == "seller"
    assert got["can"]["release"] is False and got["can"]["cancel"] is False
    kinds = [n["kind"] for n in buyer.get("/api/p2p/notifications").json["data"]["notifications"]]
    assert kinds[0] == "dispute.opened"
    # one dispute per order
    r = raise_dispute(buyer, order["id"])
    assert r.status == 409 and r.json["code"] == "DISPUTE_EXISTS", r


def test_buyer_waits_for_the_release_window(stack):
    seller, ad, buyer, order = paid_order(stack)
    r = raise_dispute(buyer, order["id"], reason="paid_but_not_released")
    assert r.status == 409 and r.json["code"] == "DISPUTE_TOO_EARLY", r
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["can"]["dispute"] is False
    h.psql(f"UPDATE p2p_orders SET paid_at = now() - interval '31 minutes' WHERE id = {order['id']}")
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["can"]["dispute"] is True
    assert raise_dispute(buyer, order["id"], reason="paid_but_not_released").status == 201


def test_raise_rules(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = raise_dispute(seller, order["id"])
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r  # not paid yet
    stranger = h.create_user(stack)
    h.assert_error(raise_dispute(stranger, order["id"]), 404)
    h.assert_error(raise_dispute(seller, order["id"], reason="boredom"), 400, field="reason")
    h.assert_error(raise_dispute(seller, order["id"], description="too short"), 400, field="description")
    h.assert_error(raise_dispute(seller, order["id"], description="x" * 2001), 400, field="description")


def test_evidence_from_both_parties(stack):
    seller, ad, buyer, order = paid_order(stack)
    raise_dispute(seller, order["id"])
    att = upload(buyer, order["id"], PNG, "image/png").json["data"]
    r = h.http_request(stack, "POST", f"/api/p2p/orders/{order['id']}/dispute/evidence", token=buyer.token,
                       json_body={"text": "Here is my bank receipt", "attachment_id": att["attachment_id"]})
    assert r.status == 201, r
    ev = r.json["data"]["dispute"]["evidence"]
    assert ev[0]["by"] == "buyer" and ev[0]["attachment"]["id"] == att["attachment_id"]
    r = h.http_request(stack, "POST", f"/api/p2p/orders/{order['id']}/dispute/evidence", token=seller.token,
                       json_body={"text": "My statement shows nothing"})
    assert r.status == 201
    got = seller.get(f"/api/p2p/orders/{order['id']}/dispute").json["data"]["dispute"]
    assert [e["by"] for e in got["evidence"]] == ["buyer", "seller"]
    stranger = h.create_user(stack)
    h.assert_error(stranger.get(f"/api/p2p/orders/{order['id']}/dispute"), 404)
    h.assert_error(h.http_request(stack, "POST", f"/api/p2p/orders/{order['id']}/dispute/evidence",
                                  token=buyer.token, json_body={}), 400, field="text")
    # the case's files are now visible to moderators
    r = h.http_request(stack, "GET", f"/api/p2p/attachments/{att['attachment_id']}", token=stack.admin_token())
    assert r.status == 200 and r.body == PNG


def test_the_moderators_queue_case_message_and_ruling(stack):
    seller, ad, buyer, order = paid_order(stack)
    d = raise_dispute(seller, order["id"]).json["data"]["dispute"]
    queue = admin(stack, "GET", "/disputes?status=open&limit=100").json["data"]
    created = [x["created_at"] for x in queue["disputes"]]
    assert created == sorted(created), "oldest open first"
    assert d["id"] in [x["id"] for x in queue["disputes"]]
    case = admin(stack, "GET", f"/disputes/{d['id']}").json["data"]
    assert set(case) >= {"dispute", "order", "messages", "buyer", "seller"}
    assert case["order"]["payment_account"] is not None  # operators see it while disputed
    assert case["buyer"]["id"] == buyer.profile_id and "email" in case["buyer"] and "stats" in case["seller"]
    assert any(m["sender"] == "system" for m in case["messages"])
    # the party's last orders, amounts in their currencies' places like everywhere else
    recent = {o["id"]: o for o in case["buyer"]["recent_orders"]}[order["id"]]
    assert recent["role"] == "buyer" and recent["status"] == "DISPUTED", recent
    assert (recent["crypto_amount"], recent["fiat_amount"]) == \
        (order["crypto_amount"], order["fiat_amount"]), (recent, order)
    r = admin(stack, "POST", f"/disputes/{d['id']}/messages", {"text": "Please both upload your statements."})
    assert r.status == 201 and r.json["data"]["message"]["sender"] == "admin", r
    senders = [m["sender"] for m in buyer.get(f"/api/p2p/orders/{order['id']}/messages").json["data"]["messages"]]
    assert "admin" in senders
    r = admin(stack, "POST", f"/disputes/{d['id']}/resolve", {"outcome": "release", "note": "Payment proven."})
    assert r.status == 200, r
    ruled = r.json["data"]["dispute"]
    assert ruled["status"] == "resolved" and ruled["outcome"] == "release" and ruled["resolved_by"] == "admin"
    got = buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]
    assert got["status"] == "COMPLETED" and got["events"][-1]["by"] == "admin"
    assert t.balances(buyer)["BTC"] == ("0.00200000", "0.00000000")
    assert profile_counts(buyer) == (1, 1, 0) and profile_counts(seller) == (1, 1, 0)
    audit = h.psql(f"SELECT action, admin_user_id, after->>'order_id' FROM p2p_admin_audit "
                   f"WHERE target = 'dispute:{d['id']}' ORDER BY id").strip().splitlines()
    assert audit == [f"dispute_message|{t.ADMIN_ID}|", f"resolve_dispute|{t.ADMIN_ID}|{order['id']}"], audit
    # the audit log as operators read it names what a row about no one profile is about
    entries = admin(stack, "GET", "/audit?limit=100").json["data"]["entries"]
    ruling = next(e for e in entries if e["action"] == "resolve_dispute" and e["target"] == f"dispute:{d['id']}")
    assert ruling["profile_id"] is None and ruling["reason"] == "Payment proven.", ruling
    for u in (buyer, seller):
        kinds = [n["kind"] for n in u.get("/api/p2p/notifications").json["data"]["notifications"]]
        assert kinds[0] == "dispute.resolved"
    r = admin(stack, "POST", f"/disputes/{d['id']}/resolve", {"outcome": "refund", "note": "changed my mind"})
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r
    assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []


def test_refund_ruling_returns_the_escrow(stack):
    seller, ad, buyer, order = paid_order(stack)
    d = raise_dispute(seller, order["id"]).json["data"]["dispute"]
    r = admin(stack, "POST", f"/disputes/{d['id']}/resolve", {"outcome": "refund", "note": "No payment found."})
    assert r.status == 200, r
    assert buyer.get(f"/api/p2p/orders/{order['id']}").json["data"]["order"]["status"] == "REFUNDED"
    assert remaining(ad["id"]) == Decimal("0.1")  # back to the open sell ad
    assert profile_counts(buyer) == (1, 0, 1)
    assert t.balances(buyer)["BTC"] == ("0.00000000", "0.00000000")


@pytest.mark.parametrize("body,field", [
    ({"outcome": "split", "note": "x"}, "outcome"),
    ({"outcome": "release"}, "note"),
    ({"outcome": "release", "note": ""}, "note"),
])
def test_ruling_validation(stack, body, field):
    seller, ad, buyer, order = paid_order(stack)
    d = raise_dispute(seller, order["id"]).json["data"]["dispute"]
    h.assert_error(admin(stack, "POST", f"/disputes/{d['id']}/resolve", body), 400, field=field)


def test_admin_routes_need_an_admin(stack, user):
    for method, path, body in [("GET", "/disputes", h._NO_BODY), ("GET", "/disputes/1", h._NO_BODY),
                               ("POST", "/disputes/1/resolve", {"outcome": "release", "note": "x"}),
                               ("POST", "/disputes/1/messages", {"text": "x"}), ("GET", "/orders", h._NO_BODY),
                               ("GET", "/orders/1", h._NO_BODY), ("POST", "/reviews/1/hide", {"reason": "x"})]:
        h.assert_error(h.http_request(stack, method, t.ADMIN + path, token=user.token, json_body=body), 403)


def test_two_admins_ruling_at_once(stack):
    for _ in range(8):
        seller, ad, buyer, order = paid_order(stack)
        d = raise_dispute(seller, order["id"]).json["data"]["dispute"]

        def rule(outcome):
            return t.admin(stack, "POST", f"/disputes/{d['id']}/resolve", {"outcome": outcome, "note": "ruled"},
                           admin_id="it_admin_" + outcome)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            a, b = pool.submit(rule, "release"), pool.submit(rule, "refund")
            ra, rb = a.result(), b.result()
        assert sorted([ra.status, rb.status]) == [200, 409], (ra, rb)
        n = h.psql(f"SELECT count(*) FROM p2p_admin_audit WHERE target = 'dispute:{d['id']}' "
                   "AND action = 'resolve_dispute'")
        assert n.strip() == "1"
        moves = h.psql(f"SELECT count(*) FROM p2p_ledger_entries WHERE order_id = {order['id']} "
                       "AND kind IN ('release', 'refund')")
        assert moves.strip() in ("1", "2")  # a refund to the open ad is one row, a release two
        assert t.journal_mismatches([buyer.profile_id, seller.profile_id]) == []


def test_admin_orders_view(stack):
    seller, ad, buyer, order = paid_order(stack)
    r = admin(stack, "GET", f"/orders?profile_id={buyer.profile_id}")
    assert r.status == 200 and [o["id"] for o in r.json["data"]["orders"]] == [order["id"]], r
    r = admin(stack, "GET", f"/orders/{order['id']}")
    assert r.status == 200 and r.json["data"]["order"]["id"] == order["id"]
    assert r.json["data"]["order"]["payment_account"] is None  # not disputed: operators do not see it
    assert isinstance(r.json["data"]["messages"], list) and r.json["data"]["messages"]


def test_the_automatic_rule_resolves_once_for_the_raiser(make_stack):
    # 1440 minutes to answer, scaled to 2.9 s; the release window (30 min) to 0.06 s
    s = make_stack("autorule", workers=1, trade_workers=2,
                   env={"P2P_TRADE_TIME_SCALE": "30000", "P2P_DISPUTE_RESPONSE_MINUTES": "1440"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller, payment_window_minutes=1440).json["data"]["ad"]
    unanswered, answered = [], []
    for i in range(4):
        buyer = h.create_user(s)
        order = place(buyer, ad).json["data"]["order"]
        act(buyer, order["id"], "confirm")
        time.sleep(0.1)  # past the (scaled) release window
        d = raise_dispute(buyer, order["id"], reason="paid_but_not_released").json["data"]["dispute"]
        (answered if i == 0 else unanswered).append((buyer, order, d))
    # the seller answers one of them: that one waits for a moderator
    b0, o0, d0 = answered[0]
    r = h.http_request(s, "POST", f"/api/p2p/orders/{o0['id']}/dispute/evidence", token=seller.token,
                       json_body={"text": "I never received anything"})
    assert r.status == 201, r
    ids = ",".join(str(d["id"]) for _, _, d in unanswered)
    h.wait_until(lambda: h.psql(f"SELECT count(*) FROM p2p_disputes WHERE id IN ({ids}) AND status = 'resolved'")
                 .strip() == str(len(unanswered)), timeout=20, what="the automatic rule ran")
    for buyer, order, d in unanswered:
        got = buyer.get(f"/api/p2p/orders/{order['id']}/dispute").json["data"]["dispute"]
        assert got["outcome"] == "release" and got["resolved_by"] == "system", got  # the buyer raised it
        assert t.balances(buyer)["BTC"] == ("0.00200000", "0.00000000")
        n = h.psql(f"SELECT count(*) FROM p2p_admin_audit WHERE target = 'dispute:{d['id']}' "
                   "AND admin_user_id = 'system'")
        assert n.strip() == "1"
    time.sleep(1)
    assert h.psql(f"SELECT status FROM p2p_disputes WHERE id = {d0['id']}").strip() == "open"
    assert t.journal_mismatches() == [] and t.asset_supply_mismatches() == []


def test_a_long_non_ascii_note_is_ruled_and_its_chat_line_fits(stack):
    """A note of 2000 characters, three bytes each (the limit the handler takes): the ruling
    goes through (it used to fail with 500: the chat line was cut mid-character, and even
    a whole one would not fit a 2000-character chat message). The chat line is cut at a
    character and marked; the dispute keeps the whole note."""
    from test_chat import messages
    seller, ad, buyer, order = paid_order(stack)
    d = raise_dispute(seller, order["id"]).json["data"]["dispute"]
    note = "\u652f\u4ed8" * 1000  # 2000 characters, 6000 bytes
    r = admin(stack, "POST", f"/disputes/{d['id']}/resolve", {"outcome": "refund", "note": note})
    assert r.status == 200, r
    got = buyer.get(f"/api/p2p/orders/{order['id']}/dispute").json["data"]["dispute"]
    assert got["status"] == "resolved" and got["note"] == note, {k: got[k] for k in ("status", "outcome")}
    system = [m["text"] for m in messages(buyer, order["id"])["messages"] if m["sender"] == "system"]
    ruling = next(text for text in system if text.startswith("A moderator ruled"))
    assert len(ruling) == 2000 and ruling.endswith("\u2026"), (len(ruling), ruling[:80])
    assert "\u652f\u4ed8\u652f" in ruling


def test_evidence_after_respond_by_does_not_stop_the_automatic_rule(make_stack):
    """TRADING.md: the system rules for the raiser when the other party adds no evidence
    *before* respond_by. Evidence that arrives after it (before the timer's next turn) is
    kept, but the rule still runs."""
    s = make_stack("lateanswer", workers=1, trade_workers=1,
                   env={"P2P_TRADE_TIME_SCALE": "30000", "P2P_DISPUTE_RESPONSE_MINUTES": "1440"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller, payment_window_minutes=1440).json["data"]["ad"]
    buyer = h.create_user(s)
    order = place(buyer, ad).json["data"]["order"]
    act(buyer, order["id"], "confirm")
    time.sleep(0.1)  # past the (scaled) release window
    d = raise_dispute(buyer, order["id"], reason="paid_but_not_released").json["data"]["dispute"]
    # respond_by passes; the seller answers at once, most likely before the timer's turn
    h.psql(f"UPDATE p2p_disputes SET respond_by = now() - interval '1 second' WHERE id = {d['id']}")
    r = h.http_request(s, "POST", f"/api/p2p/orders/{order['id']}/dispute/evidence", token=seller.token,
                       json_body={"text": "Too late, but here it is"})
    assert r.status in (201, 409), r  # 409 only if the rule already ran
    h.wait_until(lambda: h.psql(f"SELECT status FROM p2p_disputes WHERE id = {d['id']}").strip() == "resolved",
                 timeout=15, what="the automatic rule ran despite the late answer")
    got = buyer.get(f"/api/p2p/orders/{order['id']}/dispute").json["data"]["dispute"]
    assert got["outcome"] == "release" and got["resolved_by"] == "system", got


def test_the_unfiltered_queue_lists_open_disputes_first(stack):
    """TRADING.md: the admin list is "oldest open first". Without a status filter the
    open ones still come before the resolved ones (it used to be by age alone)."""
    seller, ad, buyer, old_order = paid_order(stack)
    old = raise_dispute(seller, old_order["id"]).json["data"]["dispute"]
    seller, ad, buyer, new_order = paid_order(stack)
    new = raise_dispute(seller, new_order["id"]).json["data"]["dispute"]
    assert admin(stack, "POST", f"/disputes/{old['id']}/resolve", {"outcome": "refund", "note": "n"}).status == 200
    total = admin(stack, "GET", "/disputes?limit=1").json["data"]["total"]
    seen, offset = [], 0
    while offset < total:
        page = admin(stack, "GET", f"/disputes?limit=100&offset={offset}").json["data"]["disputes"]
        seen += [(d["id"], d["status"]) for d in page]
        offset += 100
    statuses = [st for _, st in seen]
    assert statuses == sorted(statuses, key=lambda st: st != "open"), "open ones first"
    ids = [i for i, _ in seen]
    assert ids.index(new["id"]) < ids.index(old["id"])
