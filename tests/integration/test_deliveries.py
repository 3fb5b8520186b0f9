"""Deliveries of notifications (TRADING.md "Notifications": Email, Webhooks; DESIGN.md "The
outbox"): trade-svc drains p2p_outbox to a real SMTP server (aiosmtpd) and to a real HTTP
receiver started here. Mails arrive with the right recipient, subject and Message-ID, wait
while the SMTP server is down and go out once it is back, once each; webhook POSTs carry a
signature the receiver verifies (with the secret as it is at send time) and the delivery
id, wait while the receiver is down, and with two trade-svc processes every delivery is
sent exactly once; a webhook to a private address, or to a name that resolves to loopback
over https, is never connected to; a deleted webhook's pending deliveries fail.

Retries are scaled down with P2P_OUTBOX_RETRY_BASE_MS / _MAX_MS; the tests wait for rows,
log lines and receivers, never for a fixed time. Other stacks of the suite share the
database and may take part in webhook deliveries (any trade-svc may send any row): the
exactly-once checks read every trade-svc's log, not only this test's."""

import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import socket
import subprocess
import threading
import time

from aiosmtpd.controller import Controller

import p2p_harness as h
import trading as t
from test_orders import act, place

FAST_RETRIES = {"P2P_OUTBOX_RETRY_BASE_MS": "200", "P2P_OUTBOX_RETRY_MAX_MS": "1000"}
FROM = "P2P Desk <noreply@p2p.example>"
WAIT_S = 60  # generous: the machine is shared; every wait ends on an observed event


# ------------------------------------------------------------------ receivers

class SmtpReceiver:
    """aiosmtpd on 127.0.0.1:port; every mail it accepted, parsed."""

    def __init__(self, port):
        self.port = port
        self.mails = []
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.mails.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                               "msg": msg})
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received(self):
        with self.lock:
            return list(self.mails)


class HookReceiver:
    """An HTTP server on 127.0.0.1:port that records every POST and answers 200."""

    def __init__(self, port):
        self.port = port
        self.posts = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.posts.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self):
        with self.lock:
            return list(self.posts)


def signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ the outbox, read

def outbox_rows(profile_ids, channel):
    """{outbox id: row} of the profiles' deliveries on channel."""
    ids = ",".join(str(int(p)) for p in profile_ids)
    out = h.psql(
        "SELECT json_build_object('id', o.id, 'notification_id', o.notification_id, 'target', o.target, "
        "'payload', o.payload, 'attempts', o.attempts, 'sent', o.sent_at IS NOT NULL, "
        "'failed', o.failed_at IS NOT NULL, 'last_error', o.last_error, 'kind', n.kind, "
        "'title', n.title) FROM p2p_outbox o JOIN p2p_notifications n ON n.id = o.notification_id "
        f"WHERE n.profile_id IN ({ids}) AND o.channel = '{channel}' ORDER BY o.id")
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def wait_rows(profile_ids, channel, predicate, what, count=None):
    def check():
        rows = outbox_rows(profile_ids, channel)
        if rows and (count is None or len(rows) == count) and all(predicate(r) for r in rows.values()):
            return rows
        return None
    return h.wait_until(check, timeout=WAIT_S, interval=0.1, what=what)


def log_events(stacks, event):
    """(process name, fields) of every line with this event in the stacks' trade-svc logs."""
    found = []
    for s in stacks:
        for proc in s.trade_workers:
            for line in proc.log_text().splitlines():
                if line.startswith("{") and f'"{event}"' in line:
                    fields = json.loads(line)
                    if fields.get("event") == event:
                        found.append((proc.name, fields))
    return found


def wait_logged(stacks, event, ids):
    """The (process name, fields) lines of event about the outbox ids, once each id has one.
    A process records an outcome in the database before it logs it, so a test that saw the
    row change waits for the line too."""
    ids = set(ids)

    def check():
        found = [(name, f) for name, f in log_events(stacks, event) if f.get("outbox_id") in ids]
        return found if {f["outbox_id"] for _, f in found} == ids else None
    return h.wait_until(check, timeout=WAIT_S, what=f"{event} logged for {sorted(ids)}")


def trade_logs(stack):
    return "".join(p.log_text() for p in stack.trade_workers)


# ------------------------------------------------------------------ email

def trade_with_mail(s):
    """A seller and a buyer with email addresses, a trade paid and released: order.paid is
    mailed to the seller, order.completed to the buyer."""
    seller = h.create_user(s, email=f"seller_{h.new_user_id()[3:15]}@example.com")
    t.credit(s, seller.profile_id, "BTC", "1")
    t.add_account(seller, "sepa")
    ad = t.post_ad(seller).json["data"]["ad"]
    buyer = h.create_user(s, email=f"buyer_{h.new_user_id()[3:15]}@example.com")
    order = place(buyer, ad).json["data"]["order"]
    assert act(buyer, order["id"], "confirm").status == 200
    assert act(seller, order["id"], "release").status == 200
    return seller, buyer


def test_mail_waits_for_the_smtp_server_then_goes_out_once(make_stack):
    smtp_port = h.free_port()
    s = make_stack("mail", workers=1, trade_workers=2,
                   env={"P2P_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "P2P_EMAIL_FROM": FROM,
                        "P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "200", **FAST_RETRIES})
    seller, buyer = trade_with_mail(s)
    profiles = [seller.profile_id, buyer.profile_id]
    # the SMTP server is down: every mail is tried, fails and waits (retried, not given up)
    wait_rows(profiles, "email", lambda r: r["attempts"] >= 2 and r["last_error"] and not r["sent"]
              and not r["failed"], "every mail tried twice while the SMTP server is down", count=2)
    smtp = SmtpReceiver(smtp_port).start()
    try:
        rows = wait_rows(profiles, "email", lambda r: r["sent"], "every mail sent once the server is up",
                         count=2)
        # the outcome is recorded before a row could be claimed again, so what the server
        # holds now is everything it will ever get for these rows
        mails = smtp.received()
    finally:
        smtp.stop()
    assert len(mails) == 2, [m["msg"]["Message-ID"] for m in mails]
    by_rcpt = {m["rcpt_tos"][0]: m for m in mails}
    assert all(len(m["rcpt_tos"]) == 1 for m in mails)
    expected = {
        seller.profile["email"]: ("order.paid", seller),
        buyer.profile["email"]: ("order.completed", buyer),
    }
    assert set(by_rcpt) == set(expected)
    for address, (kind, user) in expected.items():
        mail = by_rcpt[address]
        row = next(r for r in rows.values() if r["target"] == address)
        assert row["kind"] == kind
        notification = next(n for n in user.get("/api/p2p/notifications?limit=100").json["data"]["notifications"]
                             if n["id"] == row["notification_id"])
        msg = mail["msg"]
        assert mail["mail_from"] == "noreply@p2p.example"
        assert msg["To"] == address
        assert msg["From"] == FROM
        assert msg["Subject"] == notification["title"]
        assert msg["Message-ID"] == f"<notification-{notification['id']}@p2p.invalid>"
        assert msg["Date"]
        # one text/plain part (curl's MIME builder wraps it in multipart/mixed)
        assert msg.get_body(preferencelist=("plain",)).get_content().strip() == notification["body"]
    # retried, then sent once each; the addresses never reach the logs
    logs = trade_logs(s)
    assert "outbox.retry" in logs
    sent = wait_logged([s], "outbox.sent", rows)
    assert sorted(f["outbox_id"] for _, f in sent) == sorted(rows)
    for address in expected:
        assert address not in logs
    # only this stack mails (no other has P2P_SMTP_URL): its heartbeats carry the counters
    # to the gateway's metrics, summed over its two trade-svc processes
    def counters():
        text = h.http_request(s, "GET", "/metrics").body.decode()
        return {name: sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                          if line.startswith(f"p2p_worker_outbox_{name}_total{{") and 'kind="trade"' in line)
                for name in ("sent", "retried", "failed")}
    h.wait_until(lambda: counters() == {"sent": 2, "retried": len(log_events([s], "outbox.retry")), "failed": 0},
                 timeout=WAIT_S, what="metrics: 2 sent, as many retried as logged, 0 failed")


def test_mail_from_a_stack_without_smtp_is_not_queued(make_stack):
    """Without P2P_SMTP_URL nothing is queued for mail (and nothing waits forever)."""
    s = make_stack("nomail", workers=1, trade_workers=1, env=FAST_RETRIES)
    seller, buyer = trade_with_mail(s)
    assert outbox_rows([seller.profile_id, buyer.profile_id], "email") == {}


# ------------------------------------------------------------------ webhooks

def set_webhook(user, url, secret):
    r = h.http_request(user.stack, "PUT", "/api/p2p/webhook", token=user.token,
                       json_body={"url": url, "secret": secret})
    assert r.status == 200, r


def test_webhooks_wait_for_the_receiver_and_go_out_exactly_once_from_two_processes(make_stack):
    s = make_stack("hooks", workers=1, trade_workers=2, env=FAST_RETRIES)
    merchant = h.create_user(s)
    port = h.free_port()
    set_webhook(merchant, f"http://127.0.0.1:{port}/p2p/hook", "first-secret-0123456789")
    n = 24
    for _ in range(n):
        t.credit(s, merchant.profile_id, "USDT", "1")
    profiles = [merchant.profile_id]
    # the receiver is down: every delivery fails and is retried (both processes take part)
    wait_rows(profiles, "webhook", lambda r: r["attempts"] >= 2 and not r["sent"] and not r["failed"],
              "every delivery tried twice while the receiver is down", count=n)
    # the secret changes while they wait: the POSTs are signed with the new one
    secret = "second-secret-abcdefghij"
    set_webhook(merchant, f"http://127.0.0.1:{port}/p2p/hook", secret)
    receiver = HookReceiver(port).start()
    try:
        rows = wait_rows(profiles, "webhook", lambda r: r["sent"], "every delivery sent", count=n)
        posts = receiver.received()
    finally:
        receiver.stop()
    ids = [int(p["headers"]["X-P2P-Delivery"]) for p in posts]
    assert sorted(ids) == sorted(rows), "each delivery exactly once"
    for post in posts:
        row = rows[int(post["headers"]["X-P2P-Delivery"])]
        assert post["path"] == "/p2p/hook"
        assert post["headers"]["Content-Type"] == "application/json"
        assert post["headers"]["X-P2P-Signature"] == signature(secret, post["body"])
        # the body is the notification as the API shows it, byte for byte what was queued
        assert post["body"].decode() == row["payload"]
        body = json.loads(post["body"])
        assert body["id"] == row["notification_id"] and body["kind"] == "wallet.credited"
    # the senders' side: one outbox.sent line per delivery over every trade-svc that runs
    sent = wait_logged(h.ALL_STACKS, "outbox.sent", rows)
    assert sorted(f["outbox_id"] for _, f in sent) == sorted(rows)
    # every delivery failed at least once while the receiver was down
    wait_logged(h.ALL_STACKS, "outbox.retry", rows)
    logs = trade_logs(s)
    assert "first-secret" not in logs and secret not in logs


def test_receiver_error_is_retried_until_2xx(make_stack):
    s = make_stack("hook-5xx", workers=1, trade_workers=1, env=FAST_RETRIES)
    merchant = h.create_user(s)
    port = h.free_port()
    secret = "s" * 16
    answers = [503, 500]
    posts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posts.append((self.headers["X-P2P-Delivery"], self.headers["X-P2P-Signature"], body))
            self.send_response(answers.pop(0) if answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        set_webhook(merchant, f"http://127.0.0.1:{port}/", secret)
        t.credit(s, merchant.profile_id, "USDT", "1")
        rows = wait_rows([merchant.profile_id], "webhook", lambda r: r["sent"], "delivered after two errors",
                         count=1)
    finally:
        server.shutdown()
        server.server_close()
    (row,) = rows.values()
    assert row["attempts"] == 3, row
    assert len(posts) == 3 and {p[0] for p in posts} == {str(row["id"])}
    assert all(p[1] == signature(secret, p[2]) for p in posts)


class ConnectionWatch:
    """Listening sockets on 127.0.0.1 and ::1 at one port that count the connections
    they accept: a delivery refused by address must never arrive."""

    def __init__(self):
        self.port = h.free_port()
        self.accepted = 0
        self.socks = []
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((host, self.port))
                sock.listen(16)
                sock.settimeout(0.2)
            except OSError:
                continue  # no IPv6 loopback here
            self.socks.append(sock)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        assert self.socks

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        for sock in self.socks:
            sock.close()


def test_private_and_loopback_https_webhooks_are_never_connected(make_stack):
    s = make_stack("hook-ssrf", workers=1, trade_workers=1, env=FAST_RETRIES)
    watch = ConnectionWatch()
    try:
        cases = {
            "https://10.0.0.1/hook": "10.0.0.1 (private)",
            "https://169.254.169.254/latest/meta-data/": "169.254.169.254 (link-local)",
            "https://[::ffff:192.168.1.1]/hook": "::ffff:192.168.1.1 (private)",
            # a name that resolves to loopback, over https: only plain http may reach loopback
            f"https://localhost:{watch.port}/hook": "(loopback)",
        }
        users = {}
        for url in cases:
            u = h.create_user(s)
            set_webhook(u, url, "s" * 16)
            t.credit(s, u.profile_id, "USDT", "1")
            users[url] = u
        for url, why in cases.items():
            rows = wait_rows([users[url].profile_id], "webhook", lambda r: r["failed"],
                             f"the delivery to {url} failed for good", count=1)
            (row,) = rows.values()
            assert not row["sent"] and row["attempts"] == 1, row
            assert row["last_error"].startswith("address not allowed: ") and why in row["last_error"], row
            failed = wait_logged(h.ALL_STACKS, "outbox.failed", [row["id"]])
            assert len(failed) == 1 and failed[0][1]["blocked"] is True, failed
        assert watch.accepted == 0, "a refused address was connected to"
    finally:
        watch.close()


def test_a_deleted_webhooks_pending_deliveries_fail(make_stack):
    s = make_stack("hook-deleted", workers=1, trade_workers=1, env=FAST_RETRIES)
    merchant = h.create_user(s)
    port = h.free_port()  # nothing listens: the delivery waits
    set_webhook(merchant, f"http://127.0.0.1:{port}/", "s" * 16)
    t.credit(s, merchant.profile_id, "USDT", "1")
    wait_rows([merchant.profile_id], "webhook", lambda r: r["attempts"] >= 1 and r["last_error"],
              "the delivery tried", count=1)
    r = h.http_request(s, "DELETE", "/api/p2p/webhook", token=merchant.token)
    assert r.status == 200, r
    rows = wait_rows([merchant.profile_id], "webhook", lambda r: r["failed"], "the pending delivery failed",
                     count=1)
    (row,) = rows.values()
    assert row["last_error"] == "webhook deleted" and not row["sent"], row


# ------------------------------------------------------------------ settings

def test_bad_mail_settings_refuse_to_start():
    """A P2P_SMTP_URL or P2P_EMAIL_FROM that cannot work stops trade-svc at start, naming
    the key (never a worker that silently mails nothing, nor a header injected)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update({"P2P_GATEWAY_ENDPOINTS": f"tcp://127.0.0.1:{h.free_port()}", "LOG_LEVEL": "info",
                **h.SANITIZER_ENV})
    cases = [({"P2P_SMTP_URL": "http://mail.example", "P2P_EMAIL_FROM": FROM}, "P2P_SMTP_URL"),
             ({"P2P_SMTP_URL": "smtp://127.0.0.1:2525", "P2P_EMAIL_FROM": "noreply"}, "P2P_EMAIL_FROM"),
             ({"P2P_SMTP_URL": "smtp://127.0.0.1:2525",
               "P2P_EMAIL_FROM": "a@p2p.example\r\nBcc: b@evil.example"}, "P2P_EMAIL_FROM")]
    for settings, key in cases:
        done = subprocess.run([h.bin_path(h.TRADE_SVC_BIN)], env={**env, **settings}, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 1, (settings, done.stderr[-2000:])
        assert "trade_svc.start_failed" in done.stderr and key in done.stderr, done.stderr[-2000:]
        assert not any(m in done.stderr for m in h.SANITIZER_MARKERS), done.stderr[-4000:]


def test_an_outcome_the_database_refuses_frees_its_slot(make_stack):
    """An outcome PostgreSQL refuses to store (not because it is away: say an error text
    that is not valid UTF-8, which libcurl can produce by cutting a quoted URL at 255
    bytes) used to be retried every turn, holding its slot for ever; lease after lease the
    sender ran out of slots. Here a CHECK refuses the record of one user's failures: the
    slot is given back at once (logged once per attempt as outbox.record_refused), the row
    is attempted again when its lease ends, and another user's webhook still goes out."""
    s = make_stack("hook-refused", workers=1, trade_workers=1, env=FAST_RETRIES)
    bad, good = h.create_user(s), h.create_user(s)
    # a non-ASCII host, as webhook.set accepted before it checked with curl's parser:
    # every attempt fails with "URL using bad/illegal format"
    url = "https://" + "\u00e9" * 150 + ".example/h"
    h.psql(f"INSERT INTO p2p_webhooks (profile_id, url, secret) VALUES ({bad.profile_id}, "
           f"{h.sql_literal(url)}, '{'s' * 16}')")
    before = int(h.psql("SELECT coalesce(max(id), 0) FROM p2p_outbox"))  # older rows: untouched
    h.psql("ALTER TABLE p2p_outbox ADD CONSTRAINT it_refuse_bad_url CHECK "
           f"(id <= {before} OR last_error IS NULL OR last_error NOT LIKE 'URL using bad%') NOT VALID")
    row_id = None

    def about_row(event):
        """This row's lines: every stack shares the database, and any trade-svc may claim it."""
        return [f for _, f in log_events(h.ALL_STACKS, event) if f.get("outbox_id") == row_id]
    port = h.free_port()
    receiver = HookReceiver(port).start()
    try:
        set_webhook(good, f"http://127.0.0.1:{port}/hook", "g" * 16)
        t.credit(s, bad.profile_id, "USDT", "1")
        (row_id,) = wait_rows([bad.profile_id], "webhook", lambda r: True, "the bad delivery queued", count=1)
        h.wait_until(lambda: about_row("outbox.record_refused"), timeout=WAIT_S,
                     what="the refused record logged")
        time.sleep(1)  # many turns of the delivery loop
        t.credit(s, good.profile_id, "USDT", "1")
        wait_rows([good.profile_id], "webhook", lambda r: r["sent"], "the good delivery sent", count=1)
    finally:
        h.psql("ALTER TABLE p2p_outbox DROP CONSTRAINT it_refuse_bad_url")
        receiver.stop()
    # once per attempt (the next waits for the lease), never retried turn after turn
    assert len(about_row("outbox.record_refused")) == 1, about_row("outbox.record_refused")
    assert not about_row("outbox.record_failed"), about_row("outbox.record_failed")
