"""The order chat (TRADING.md "Chat"): one room per order for its two parties, the send
window, system messages for every transition written with it, the ad's auto-reply as the
maker's first message, paging, read receipts with the chat.read push, live
chat.new_message pushes, and proof-of-payment attachments (magic bytes, 5 MiB, parties
only, the gateway's bounded upload memory)."""

import asyncio
import concurrent.futures
import hashlib
import http.client
import time

import pytest

import p2p_harness as h
import trading as t
from test_orders import ROUNDS, _race, act, market, paid_order, place

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def send(user, order_id, body):
    return h.http_request(user.stack, "POST", f"/api/p2p/orders/{order_id}/messages", token=user.token,
                          json_body=body)


def messages(user, order_id, query=""):
    r = user.get(f"/api/p2p/orders/{order_id}/messages{query}")
    assert r.status == 200, r
    return r.json["data"]


def upload(user, order_id, data, content_type):
    return h.http_request(user.stack, "POST", f"/api/p2p/orders/{order_id}/attachments", token=user.token,
                          raw=data, headers={"Content-Type": content_type})


def test_a_trade_writes_its_story_in_the_chat(stack):
    seller = t.seller_ready(stack)
    ad = t.post_ad(seller, auto_reply="Hi! Pay to the account shown, then mark paid.").json["data"]["ad"]
    buyer = h.create_user(stack)
    order = place(buyer, ad).json["data"]["order"]
    first = messages(buyer, order["id"])["messages"]
    assert [m["sender"] for m in first] == ["system", "seller"], first
    assert first[1]["text"].startswith("Hi! Pay") and first[1]["sender_id"] == seller.profile_id
    r = send(buyer, order["id"], {"text": "Paying now"})
    assert r.status == 201, r
    msg = r.json["data"]["message"]
    assert set(msg) >= {"id", "order_id", "sender", "sender_id", "text", "attachment", "created_at", "read_at"}
    assert msg["sender"] == "buyer" and msg["attachment"] is None and msg["read_at"] is None
    act(buyer, order["id"], "confirm")
    act(seller, order["id"], "release")
    senders = [m["sender"] for m in messages(seller, order["id"])["messages"]]
    assert senders == ["system", "seller", "buyer", "system", "system"], senders
    # the room closes with the order
    r = send(buyer, order["id"], {"text": "thanks"})
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r


def test_the_senders_access_is_judged_before_the_order_and_the_fields(stack):
    """chat.send_message reads its caller in the statement that writes the message:
    the contract's order of errors still holds, and a refused caller writes nothing."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    before = len(messages(seller, order["id"])["messages"])
    # no profile: 404 NOT_JOINED_P2P, even on an order that does not exist or with no text
    nobody = stack.token(h.new_user_id())
    for order_id, body in ((order["id"], {"text": "hi"}), (99999999, {"text": "hi"}), (order["id"], {})):
        r = h.http_request(stack, "POST", f"/api/p2p/orders/{order_id}/messages", token=nobody,
                           json_body=body)
        assert r.status == 404 and r.json["code"] == "NOT_JOINED_P2P", r
    # suspended: 403 before "not found" and before the fields; nothing written
    h.db_update_profile(buyer.user_id, is_suspended=True)
    for order_id, body in ((order["id"], {"text": "hi"}), (99999999, {"text": "hi"}), (order["id"], {})):
        r = send(buyer, order_id, body)
        assert r.status == 403 and r.json["code"] == "ACCOUNT_SUSPENDED", r
    # a lapsed suspension is no suspension
    h.db_update_profile(buyer.user_id, suspended_until=h.Raw("now() - interval '1 minute'"))
    assert send(buyer, order["id"], {"text": "back"}).status == 201
    # consent withdrawn: 403 CONSENT_REQUIRED
    h.db_update_profile(seller.user_id, has_consent=False)
    r = send(seller, order["id"], {"text": "hi"})
    assert r.status == 403 and r.json["code"] == "CONSENT_REQUIRED", r
    h.db_update_profile(seller.user_id, has_consent=True)
    texts = [m["text"] for m in messages(seller, order["id"])["messages"]]
    assert len(texts) == before + 1 and texts[-1] == "back", texts


def test_race_a_message_against_the_release_that_closes_the_room(stack):
    """The send takes the order FOR SHARE, the release FOR UPDATE: a message either lands
    while the order is still PAID (before the release's system line) or is refused with
    409 and written nowhere, never after the room closed. Fired at once, many times."""
    seller = t.seller_ready(stack, btc="1")
    ad = t.post_ad(seller, total_amount="0.5").json["data"]["ad"]
    for i in range(ROUNDS):
        buyer, order = paid_order(stack, ad)
        text = f"race {i}"
        sent, released = _race(lambda: send(buyer, order["id"], {"text": text}),
                               lambda: act(seller, order["id"], "release"))
        assert released.status == 200, released
        assert sent.status in (201, 409), sent
        chat = messages(seller, order["id"])["messages"]
        mine = [m for m in chat if m["sender"] == "buyer" and m["text"] == text]
        if sent.status == 201:
            closing = max(m["id"] for m in chat if m["sender"] == "system")
            assert len(mine) == 1 and mine[0]["id"] < closing, chat
        else:
            assert sent.json["code"] == "ORDER_STATE_CHANGED" and mine == [], (sent, chat)


def test_only_the_parties_are_in_the_room(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    stranger = h.create_user(stack)
    h.assert_error(send(stranger, order["id"], {"text": "hello"}), 404)
    h.assert_error(stranger.get(f"/api/p2p/orders/{order['id']}/messages"), 404)
    h.assert_error(h.http_request(stack, "POST", f"/api/p2p/orders/{order['id']}/messages/read",
                                  token=stranger.token, json_body={"up_to_id": 1}), 404)


@pytest.mark.parametrize("body,field", [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": "x" * 2001}, "text"),
    ({"text": 5}, "text"),
    ({"text": "hi", "extra": 1}, "extra"),
    ({"attachment_id": "1"}, "attachment_id"),
])
def test_send_validation(stack, body, field):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    h.assert_error(send(buyer, order["id"], body), 400, field=field)


def test_paging_unread_and_receipts(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    for i in range(5):
        send(buyer, order["id"], {"text": f"m{i}"})
    page = messages(seller, order["id"], "?limit=2")
    assert [m["text"] for m in page["messages"]] == ["m3", "m4"] and page["has_more"] is True
    older = messages(seller, order["id"], f"?limit=10&before_id={page['messages'][0]['id']}")
    assert [m["text"] for m in older["messages"]][-3:] == ["m0", "m1", "m2"]
    assert older["has_more"] is False
    assert page["unread_count"] == 6  # the system line and five messages from the buyer
    assert messages(buyer, order["id"])["unread_count"] == 1  # the system line

    async def go():
        s = await h.ws_session(stack, buyer.user_id)
        try:
            loop = asyncio.get_running_loop()
            last = page["messages"][-1]["id"]
            r = await loop.run_in_executor(None, lambda: h.http_request(
                stack, "POST", f"/api/p2p/orders/{order['id']}/messages/read", token=seller.token,
                json_body={"up_to_id": last}))
            while True:
                msg = await s.recv(timeout=5)
                if msg.get("type") == "chat.read":
                    return r, msg
        finally:
            await s.close()
    r, pushed = h.run(go())
    assert r.status == 200 and r.json["data"]["unread_count"] == 0, r
    assert pushed["data"] == {"order_id": order["id"], "up_to_id": page["messages"][-1]["id"], "reader": "seller"}
    mine = messages(buyer, order["id"])["messages"]
    assert all(m["read_at"] for m in mine if m["sender"] == "buyer"), mine


def test_messages_reach_both_parties_live(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]

    async def go():
        b = await h.ws_session(stack, buyer.user_id)
        s = await h.ws_session(stack, seller.user_id)
        sent = await b.call("chat.send_message", {"order_id": order["id"], "text": "over ws"})
        got = {}
        for name, sess in (("buyer", b), ("seller", s)):
            # a push may overtake the reply: call() keeps what it skipped in unmatched
            pending = list(sess.unmatched)
            while True:
                msg = pending.pop(0) if pending else await sess.recv(timeout=5)
                if msg.get("type") == "chat.new_message" and msg["data"]["text"] == "over ws":
                    got[name] = msg
                    break
            await sess.close()
        return sent, got
    sent, got = h.run(go())
    assert sent["success"] and sent["data"]["message"]["text"] == "over ws", sent
    assert set(got) == {"buyer", "seller"}
    assert "request_id" not in got["seller"]


def test_attachments(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = upload(buyer, order["id"], PNG, "image/png")
    assert r.status == 201, r
    att = r.json["data"]
    assert att["content_type"] == "image/png" and att["size"] == len(PNG)
    assert att["sha256"] == hashlib.sha256(PNG).hexdigest()
    r = send(buyer, order["id"], {"attachment_id": att["attachment_id"], "text": "proof"})
    assert r.status == 201 and r.json["data"]["message"]["attachment"]["id"] == att["attachment_id"], r
    for who in (buyer, seller):
        got = who.get(f"/api/p2p/attachments/{att['attachment_id']}")
        assert got.status == 200 and got.body == PNG, got
        assert got.headers["content-type"].startswith("image/png")
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["x-content-type-options"] == "nosniff"
    stranger = h.create_user(stack)
    h.assert_error(stranger.get(f"/api/p2p/attachments/{att['attachment_id']}"), 404)
    h.assert_error(upload(stranger, order["id"], PNG, "image/png"), 404)
    # an admin sees it only once the order is disputed
    admin = h.http_request(stack, "GET", f"/api/p2p/attachments/{att['attachment_id']}",
                           token=stack.admin_token())
    h.assert_error(admin, 404)
    assert upload(seller, order["id"], JPEG, "image/jpeg").status == 201
    assert upload(seller, order["id"], PDF, "application/pdf").status == 201
    # another order's file cannot be attached here
    other = place(h.create_user(stack), ad).json["data"]["order"]
    h.assert_error(send(buyer, other["id"], {"attachment_id": att["attachment_id"]}), 404)
    h.assert_error(send(buyer, order["id"], {"attachment_id": 99999999}), 400, field="attachment_id")


@pytest.mark.parametrize("data,content_type", [
    (PNG, "image/jpeg"),          # the bytes say PNG
    (b"GIF89a" + b"\x00" * 10, "image/gif"),
    (b"hello world", "image/png"),
    (PDF, "text/html"),
])
def test_attachment_types_are_checked_against_magic_bytes(stack, data, content_type):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    h.assert_error(upload(buyer, order["id"], data, content_type), 400)


def test_attachment_size_limits(stack):
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    big = PNG + b"\x00" * (5 * 1024 * 1024 - len(PNG))
    r = upload(buyer, order["id"], big, "image/png")
    assert r.status == 201 and r.json["data"]["size"] == 5 * 1024 * 1024, r
    r = upload(buyer, order["id"], big + b"\x00", "image/png")
    h.assert_error(r, 413)
    # other routes keep their 64 KiB limit
    r = h.http_request(stack, "POST", f"/api/p2p/orders/{order['id']}/messages", token=buyer.token,
                       raw=b'{"text":"' + b"a" * 70000 + b'"}')
    h.assert_error(r, 413)
    # a file to a final order is refused
    act(buyer, order["id"], "cancel")
    r = upload(buyer, order["id"], PNG, "image/png")
    assert r.status == 409 and r.json["code"] == "ORDER_STATE_CHANGED", r


def _open_upload(s, user, order_id, size, first):
    """An upload that declares size bytes and has sent only `first` of them so far."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    c.putrequest("POST", f"/api/p2p/orders/{order_id}/attachments")
    c.putheader("Authorization", f"Bearer {user.token}")
    c.putheader("Content-Type", "image/png")
    c.putheader("Content-Length", str(size))
    c.endheaders()
    c.send(first)
    return c


def _finish(conns, rest):
    statuses = []
    for c in conns:
        try:
            c.send(rest)
        except OSError:
            pass
    for c in conns:
        r = c.getresponse()
        statuses.append((r.status, r.getheader("Retry-After")))
        r.read()
        c.close()
    return statuses


def test_parallel_uploads_are_bounded(make_stack):
    """The gateway holds at most P2P_UPLOAD_MEMORY_MB of upload bodies: past it, a clear
    503 with Retry-After, and the gateway stays up and serving."""
    s = make_stack("uploads", workers=1, env={"P2P_UPLOAD_MEMORY_MB": "12"})
    seller = t.seller_ready(s, btc="1")
    ad = t.post_ad(seller).json["data"]["ad"]
    size = 4 * 1024 * 1024
    body = PNG + b"\x00" * (size - len(PNG))
    # three buyers open two uploads each (the most one user may), declaring 4 MiB and
    # sending their bodies slowly: only 3 of the 6 fit in 12 MiB
    conns = []
    for _ in range(3):
        buyer = h.create_user(s)
        order = place(buyer, ad).json["data"]["order"]
        conns += [_open_upload(s, buyer, order["id"], size, body[:1024]) for _ in range(2)]
    statuses = _finish(conns, body[1024:])
    refused = [st for st in statuses if st[0] == 503]
    assert refused and all(ra for _, ra in refused), statuses
    assert any(st[0] == 201 for st in statuses), statuses
    assert h.http_request(s, "GET", "/p2p/health").status == 200
    # once they are done, the budget is free again
    assert upload(buyer, order["id"], body, "image/png").status == 201


def test_one_user_has_at_most_two_uploads_in_progress(stack):
    """One account cannot hold the gateway's whole upload memory: its third upload at once
    is 429 with Retry-After, while the other party uploads as usual, and once its uploads
    are done it may upload again."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    size = 1024 * 1024
    body = PNG + b"\x00" * (size - len(PNG))
    conns = [_open_upload(stack, buyer, order["id"], size, body[:1024]) for _ in range(3)]
    # while they wait for their bodies, the other party is not held back
    assert upload(seller, order["id"], PNG, "image/png").status == 201
    statuses = _finish(conns, body[1024:])
    assert sorted(st for st, _ in statuses) == [201, 201, 429], statuses
    assert all(ra for st, ra in statuses if st == 429), statuses
    assert upload(buyer, order["id"], PNG, "image/png").status == 201


def test_a_slow_upload_is_not_cut_off_for_its_size(stack):
    """An upload gets the body deadline (10 s) plus its declared size at 64 KiB/s: a
    150 KiB file that trickles in over 11 s arrives (it used to be cut off at 10 s, so a large
    screenshot on a slow uplink never got through)."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    size = 150 * 1024
    body = PNG + b"\x00" * (size - len(PNG))
    step = size // 12
    c = _open_upload(stack, buyer, order["id"], size, body[:step])
    for i in range(1, 11):  # a trickle: one piece a second, for 11 s
        time.sleep(1)
        c.send(body[i * step:(i + 1) * step])
    time.sleep(1)
    (status, _), = _finish([c], body[11 * step:])
    assert status == 201, status


def test_each_party_has_its_own_file_cap_on_an_order(stack):
    """20 files per party of an order: the seller filling theirs (the cap used to be the
    order's, shared) does not shut the buyer's proof of payment out."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    for i in range(20):
        r = upload(seller, order["id"], PDF, "application/pdf")
        assert r.status == 201, (i, r)
    r = upload(seller, order["id"], PDF, "application/pdf")
    assert r.status == 409 and r.json["code"] == "LIMIT_REACHED", r
    r = upload(buyer, order["id"], PNG, "image/png")
    assert r.status == 201, r


def test_a_media_type_in_another_case_is_the_same_type(stack):
    """Media types are case-insensitive (RFC 9110 8.3.1): IMAGE/PNG is image/png, stored
    and served in the canonical spelling."""
    seller, ad, buyer = market(stack)
    order = place(buyer, ad).json["data"]["order"]
    r = upload(buyer, order["id"], PNG, "IMAGE/PNG")
    assert r.status == 201 and r.json["data"]["content_type"] == "image/png", r
    got = buyer.get(f"/api/p2p/attachments/{r.json['data']['attachment_id']}")
    assert got.status == 200 and got.headers["content-type"].startswith("image/png"), got
