"""The trading core under a few thousand random actions (issue 12's simulation).

Random users create, pause, resume, update and delete ads, place orders with fiat or
crypto amounts, confirm, cancel, release or let them expire (P2P_TRADE_TIME_SCALE), and
operators credit and debit wallets and move an index price, from several threads at
once, against two trade-svc processes and a PostgreSQL of the test's own. A third of the
way in one trade-svc is SIGKILLed (and a replacement started); two thirds in, PostgreSQL
is restarted (an immediate shutdown: a crash, then recovery). Each action accepts only
the outcomes TRADING.md allows for it (503/504 are counted, and allowed, since a request
caught by the kill or the restart "may or may not have been applied"; a create caught so
is retried with its client_order_id). Then:

- the books add up: scripts/ledger-check (every wallet equals its journal, per asset the
  wallets equal deposits - withdrawals, no negative balance, every order's escrow held
  once and released or returned exactly once, every ad's remainder what its orders took,
  every held unit explained by an open sell ad or an open order);
- every order's events tell its story (a path of the state table, each by its mover);
- every transition told the parties exactly once: one system line in the order's chat, and
  the notifications TRADING.md names, to the right profiles;
- every payment window that ended was enforced, and not long after its deadline;
- every profile's counters equal what its orders say;
- no action got an answer its rules do not allow (no 500, no surprise 400)."""

import os
import random
import subprocess
import threading
import time
import traceback
import uuid
from collections import Counter
from decimal import ROUND_DOWN, Decimal

import p2p_harness as h
import trading as t
from test_faults import own_pg, psql_url  # noqa: F401  (own_pg: a PostgreSQL of the test's own)

ACTIONS = 2400
THREADS = 6
TRADERS = 12
# a 15-minute payment window lasts 6 s, a 30-minute one 12 s
TIME_SCALE = 150
SEED = int(os.environ.get("P2P_SIM_SEED", "0")) or random.randrange(1, 2 ** 31)

# What each action may answer besides success: (status, code) pairs, code None = any.
UNAVAILABLE = {(503, None), (504, None)}
MAY = {
    "ad.create": {(409, "INSUFFICIENT_BALANCE")},
    "ad.update": {(409, "AD_UNAVAILABLE"), (409, "INSUFFICIENT_BALANCE"),
                  (400, "INVALID_REQUEST")},  # total below what orders took (checked below)
    "ad.pause": {(409, "AD_UNAVAILABLE")},
    "ad.resume": {(409, "AD_UNAVAILABLE")},
    "ad.delete": {(409, "AD_UNAVAILABLE"), (409, "AD_HAS_OPEN_ORDERS")},
    "order.create": {(409, "AD_UNAVAILABLE"), (409, "AMOUNT_OUT_OF_RANGE"), (409, "INSUFFICIENT_BALANCE"),
                     (409, "TOO_MANY_OPEN_ORDERS")},
    "order.confirm": {(409, "ORDER_STATE_CHANGED")},
    "order.cancel": {(409, "ORDER_STATE_CHANGED")},
    "order.release": {(409, "ORDER_STATE_CHANGED")},
    "order.wrong_party": {(403, "FORBIDDEN")},
    "wallet.credit": set(),
    "wallet.debit": {(409, "INSUFFICIENT_BALANCE")},
    "price.set": set(),
}
# A 400 is allowed only where the rules produce one for valid-looking input, and must name it.
FIELD_OF_400 = {"ad.update": "total_amount"}

PAIRS = {  # asset, fiat: index price, fiat per order (low, high), crypto per ad (low, high)
    ("BTC", "USD"): (Decimal("50000.00"), (10, 60), (Decimal("0.01"), Decimal("0.05"))),
    ("USDT", "EUR"): (Decimal("0.92"), (5, 40), (Decimal("50"), Decimal("300"))),
}


class Sim:
    """The shared state of the run: the traders, what the threads have seen (ads and
    orders, as far as the answers told), every outcome, and the disruptions' times."""

    def __init__(self, stack, pg_url, rng):
        self.stack = stack
        self.pg_url = pg_url
        self.rng = rng
        self.lock = threading.Lock()
        self.users = []
        self.method = None
        self.ads = {}      # id -> {"owner", "type", "asset", "fiat"}
        self.orders = {}   # id -> {"buyer", "seller", "status"}: the orders not known to be final
        self.outcomes = Counter()
        self.unexpected = []
        self.unavailable = 0
        self.done = 0
        self.ok_after_restart = 0
        self.restarted_at = None
        self.pg_down = None  # (stopped, started) monotonic

    # -- plumbing

    def record(self, action, r, ok_statuses=(200,)):
        """Classify one answer; return True when it succeeded."""
        code = None
        if r.status not in ok_statuses:
            try:
                code = r.json.get("code") or r.json.get("error")
            except AssertionError:
                code = "<not JSON>"
        with self.lock:
            self.outcomes[(action, r.status, code)] += 1
            if r.status in ok_statuses:
                if self.restarted_at is not None and time.monotonic() > self.restarted_at:
                    self.ok_after_restart += 1
                return True
            if r.status in (503, 504):
                self.unavailable += 1
                return False
            allowed = MAY.get(action, set())
            if (r.status, code) in allowed or (r.status, None) in allowed:
                field = FIELD_OF_400.get(action)
                if r.status == 400 and field and field not in r.json.get("error", ""):
                    self.unexpected.append((action, r.status, r.body[:300]))
                return False
            self.unexpected.append((action, r.status, r.body[:300]))
            return False

    def call(self, user, method, path, body=None):
        try:
            return h.http_request(self.stack, method, path, token=user.token,
                                  json_body=body if body is not None else h._NO_BODY)
        except OSError as e:  # the gateway is never restarted: a socket error is a bug
            return h.Response(599, {}, repr(e).encode(), 0.0)

    def pick(self, table, predicate):
        with self.lock:
            ids = [k for k, v in table.items() if predicate(v)]
        return self.rng.choice(ids) if ids else None

    # -- actions

    def ad_create(self, user):
        (asset, fiat), (index, _, (lo, hi)) = self.rng.choice(list(PAIRS.items()))
        decimals = t.ASSETS[asset]
        total = (lo + (hi - lo) * Decimal(self.rng.random())).quantize(Decimal(1).scaleb(-decimals), ROUND_DOWN)
        side = self.rng.choice(("sell", "buy"))
        body = {"type": side, "asset": asset, "fiat": fiat, "total_amount": str(total),
                "min_limit": "5.00", "max_limit": "2000.00", "payment_method_ids": [self.method],
                "payment_window_minutes": self.rng.choice((15, 15, 30))}
        if asset == "BTC" and self.rng.random() < 0.4:
            body.update(price_type="floating", margin_pct=f"{self.rng.uniform(-2, 2):.2f}")
        else:
            body.update(price_type="fixed", price=str((index * Decimal(1 + self.rng.uniform(-0.03, 0.03)))
                                                       .quantize(Decimal("0.01"))))
        r = self.call(user, "POST", "/api/p2p/ads", body)
        if self.record("ad.create", r, (201,)):
            ad = r.json["data"]["ad"]
            with self.lock:
                self.ads[ad["id"]] = {"owner": user, "type": side, "asset": asset, "fiat": fiat}

    def ad_change(self, user):
        ad_id = self.pick(self.ads, lambda a: a["owner"] is user)
        if ad_id is None:
            return self.ad_create(user)
        ad = self.ads[ad_id]
        roll = self.rng.random()
        path = f"/api/p2p/ads/{ad_id}"
        if roll < 0.25:
            r = self.call(user, "PUT", path, {"status": "paused"})
            self.record("ad.pause", r)
        elif roll < 0.5:
            r = self.call(user, "PUT", path, {"status": "active"})
            self.record("ad.resume", r)
        elif roll < 0.85:
            index, _, (lo, hi) = PAIRS[(ad["asset"], ad["fiat"])]
            body = self.rng.choice((
                {"max_limit": f"{self.rng.randint(500, 3000)}.00"},
                {"total_amount": str((lo + (hi - lo) * Decimal(self.rng.random()))
                                     .quantize(Decimal(1).scaleb(-t.ASSETS[ad["asset"]]), ROUND_DOWN))},
                {"terms": f"updated {self.rng.random():.6f}"},
            ))
            self.record("ad.update", self.call(user, "PUT", path, body))
        else:
            r = self.call(user, "DELETE", path)
            if self.record("ad.delete", r):
                with self.lock:
                    self.ads.pop(ad_id, None)

    def order_create(self, user):
        ad_id = self.pick(self.ads, lambda a: a["owner"] is not user)
        if ad_id is None:
            return self.ad_create(user)
        ad = self.ads[ad_id]
        index, (lo, hi), _ = PAIRS[(ad["asset"], ad["fiat"])]
        fiat = Decimal(self.rng.randint(lo * 100, hi * 100)) / 100
        if self.rng.random() < 0.5:
            body = {"fiat_amount": f"{fiat:.2f}"}
        else:
            crypto = (fiat / index).quantize(Decimal(1).scaleb(-t.ASSETS[ad["asset"]]), ROUND_DOWN)
            body = {"crypto_amount": str(crypto)}
        body.update(ad_id=ad_id, payment_method_id=self.method,
                    client_order_id=f"sim-{uuid.uuid4().hex[:16]}")
        for attempt in range(4):
            r = self.call(user, "POST", "/api/p2p/orders", body)
            if r.status not in (503, 504):
                break
            # caught by the kill or the restart: the same client_order_id finds the order
            # if it was placed, or places it now
            time.sleep(0.3)
        if self.record("order.create", r, (200, 201)):
            order = r.json["data"]["order"]
            buyer, seller = (user, ad["owner"]) if ad["type"] == "sell" else (ad["owner"], user)
            with self.lock:
                self.orders[order["id"]] = {"buyer": buyer, "seller": seller, "status": order["status"]}

    def _learn(self, order_id, r):
        """The order's status as an answer (success, or 409 with the order) tells it."""
        try:
            status = r.json["data"]["order"]["status"]
        except (AssertionError, KeyError, TypeError):
            return
        with self.lock:
            if status in ("PENDING_PAYMENT", "PAID"):
                if order_id in self.orders:
                    self.orders[order_id]["status"] = status
            else:
                self.orders.pop(order_id, None)

    def order_act(self, user):
        """The next move on a random open order, by the party whose turn it is (the
        buyer confirms or cancels an unpaid one, the seller releases a paid one), or now
        and then the other party's move, which is refused."""
        order_id = self.pick(self.orders, lambda o: True)
        if order_id is None:
            return self.order_create(user)
        with self.lock:
            o = dict(self.orders.get(order_id) or {})
        if not o:
            return
        base = f"/api/p2p/orders/{order_id}/"
        if self.rng.random() < 0.05:
            if self.rng.random() < 0.5:
                return self.record("order.wrong_party", self.call(o["buyer"], "POST", base + "release"))
            return self.record("order.wrong_party", self.call(o["seller"], "POST", base + "cancel"))
        if o["status"] == "PENDING_PAYMENT" and self.rng.random() < 0.8:
            r = self.call(o["buyer"], "POST", base + "confirm-payment")
            self.record("order.confirm", r)
        elif o["status"] == "PENDING_PAYMENT":
            r = self.call(o["buyer"], "POST", base + "cancel")
            self.record("order.cancel", r)
        else:
            r = self.call(o["seller"], "POST", base + "release")
            self.record("order.release", r)
        self._learn(order_id, r)

    def operator(self, user):
        asset = self.rng.choice(("BTC", "USDT"))
        amount = "0.00500000" if asset == "BTC" else "25.000000"
        roll = self.rng.random()
        if roll < 0.15:
            index = PAIRS[("BTC", "USD")][0] * Decimal(1 + self.rng.uniform(-0.01, 0.01))
            r = t.set_price(self.stack, "BTC", "USD", f"{index:.2f}", expect=None)
            self.record("price.set", r)
        elif roll < 0.6:
            r = t.credit(self.stack, user.profile_id, asset, amount, expect=None)
            self.record("wallet.credit", r, (200, 201))
        else:
            r = t.debit(self.stack, user.profile_id, asset, amount, expect=None)
            self.record("wallet.debit", r, (200, 201))

    def step(self):
        user = self.rng.choice(self.users)
        roll = self.rng.random()
        if roll < 0.12:
            self.ad_create(user)
        elif roll < 0.25:
            self.ad_change(user)
        elif roll < 0.55:
            self.order_create(user)
        elif roll < 0.93:
            self.order_act(user)
        else:
            self.operator(user)

    def run_thread(self):
        while True:
            with self.lock:
                if self.done >= ACTIONS:
                    return
                self.done += 1
            before = self.unavailable
            try:
                self.step()
            except Exception as e:  # a bug in the test or an answer it cannot read: fail, loudly
                with self.lock:
                    self.unexpected.append(("exception", repr(e), traceback.format_exc()[-600:]))
            if self.unavailable > before:
                time.sleep(0.05)  # the database is restarting: do not spin through the budget


def _setup(stack, rng):
    sim = Sim(stack, None, rng)
    for _ in range(TRADERS):
        user = h.create_user(stack)
        t.credit(stack, user.profile_id, "BTC", "0.5")
        t.credit(stack, user.profile_id, "USDT", "2000")
        t.add_account(user, "bank_transfer")
        sim.users.append(user)
    sim.method = t.method_id(sim.users[0], "bank_transfer")
    t.set_price(stack, "BTC", "USD", str(PAIRS[("BTC", "USD")][0]))
    return sim


def _disrupt(sim, stack, pg):
    """A third of the way: SIGKILL a trade-svc (a replacement starts at once). Two thirds:
    PostgreSQL crashes (immediate shutdown) and comes back 1.5 s later."""
    h.wait_until(lambda: sim.done >= ACTIONS // 3, 120, interval=0.05, what="a third of the actions")
    victim = stack.trade_workers[0]
    stack.remove_worker(victim, kill=True)
    stack.add_trade_worker()
    h.wait_until(lambda: sim.done >= 2 * ACTIONS // 3, 120, interval=0.05, what="two thirds of the actions")
    stopped = time.monotonic()
    pg.stop("immediate")
    time.sleep(1.5)
    pg.start()
    sim.pg_down = (stopped, time.monotonic())
    sim.restarted_at = time.monotonic()


def _events_ok(rows):
    """Each order's events (status, actor) must be a path of the state table from
    PENDING_PAYMENT, each step by its mover, ending in the order's status."""
    moves = {("PENDING_PAYMENT", "PAID"): "buyer", ("PENDING_PAYMENT", "CANCELLED"): "buyer",
             ("PENDING_PAYMENT", "EXPIRED"): "system", ("PAID", "COMPLETED"): "seller"}
    bad = []
    by_order = {}
    for line in rows:
        order_id, status, events = line.split("|", 2)
        by_order[int(order_id)] = (status, [e.split(":") for e in events.split(",")])
    for order_id, (status, events) in by_order.items():
        path = [s for s, _ in events]
        ok = events[0][0] == "PENDING_PAYMENT" and path[-1] == status and len(set(path)) == len(path)
        for (a, _), (b, actor) in zip(events, events[1:]):
            ok = ok and moves.get((a, b)) == actor
        if not ok:
            bad.append((order_id, status, events))
    return bad, len(by_order)


def test_trade_simulation(make_stack, own_pg):
    rng = random.Random(SEED)
    stack = make_stack("sim", workers=1, trade_workers=2,
                       env={"DATABASE_URL": own_pg.url, "P2P_TRADE_TIME_SCALE": str(TIME_SCALE),
                            "P2P_MAX_DAILY_CANCELS": "1000", "P2P_REQUEST_TIMEOUT_MS": "5000"})
    sim = _setup(stack, rng)
    sim.pg_url = own_pg.url
    t0 = time.monotonic()
    threads = [threading.Thread(target=sim.run_thread, daemon=True) for _ in range(THREADS)]
    for th in threads:
        th.start()
    _disrupt(sim, stack, own_pg)
    for th in threads:
        th.join(timeout=180)
    assert not any(th.is_alive() for th in threads), "the simulation's threads did not finish"
    ran_s = time.monotonic() - t0

    def sql(query):
        return psql_url(own_pg.url, query).strip()

    # Every payment window that ended is enforced: wait out the last ones (12 s windows,
    # the contract's 5 s, margin for a loaded machine).
    h.wait_until(lambda: sql("SELECT count(*) FROM p2p_orders WHERE status = 'PENDING_PAYMENT'") == "0",
                 timeout=12 + 5 + 10, interval=0.5, what="every unpaid order expired")
    where = f"(seed {SEED}, {ran_s:.0f} s, outcomes {sorted(sim.outcomes.items())})"
    assert not sim.unexpected, f"answers the rules do not allow {where}:\n" + "\n".join(map(str, sim.unexpected[:20]))

    # The books (scripts/ledger-check: journal, supply, no negative, escrow exactly once,
    # remainders, held explained).
    check = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "ledger-check"),
                            own_pg.url], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, f"the books do not add up {where}:\n{check.stdout}\n{check.stderr}"

    # Every order's story.
    rows = sql("SELECT o.id, o.status, string_agg(e.status || ':' || e.actor, ',' ORDER BY e.id) "
               "FROM p2p_orders o JOIN p2p_order_events e ON e.order_id = o.id GROUP BY o.id, o.status")
    bad, n_orders = _events_ok(rows.splitlines())
    assert not bad, f"orders whose events do not follow the state table {where}: {bad[:10]}"
    assert n_orders == int(sql("SELECT count(*) FROM p2p_orders")), "an order without events"

    # Every transition told the parties once, in its own transaction (a kill or a restart
    # neither lost nor doubled it): a system line in the order's chat per event, and the
    # notifications TRADING.md names (created: the maker; paid, cancelled: the seller;
    # completed: the buyer; expired: both).
    chat = sql("SELECT o.id, (SELECT count(*) FROM p2p_chat_messages m WHERE m.order_id = o.id "
               "AND m.sender = 'system'), (SELECT count(*) FROM p2p_order_events e WHERE e.order_id = o.id) "
               "FROM p2p_orders o WHERE (SELECT count(*) FROM p2p_chat_messages m WHERE m.order_id = o.id "
               "AND m.sender = 'system') <> (SELECT count(*) FROM p2p_order_events e WHERE e.order_id = o.id)")
    assert not chat, f"orders whose chat has not one system line per transition (id|lines|events) {where}:\n{chat}"
    told = sql("""
        WITH expect AS (
            SELECT e.order_id, CASE e.status WHEN 'PENDING_PAYMENT' THEN 'order.created'
                                             ELSE 'order.' || lower(e.status) END AS kind, r.profile_id
            FROM p2p_order_events e JOIN p2p_orders o ON o.id = e.order_id
            CROSS JOIN LATERAL unnest(CASE e.status WHEN 'PENDING_PAYMENT' THEN ARRAY[o.maker_id]
                WHEN 'PAID' THEN ARRAY[o.seller_id] WHEN 'CANCELLED' THEN ARRAY[o.seller_id]
                WHEN 'COMPLETED' THEN ARRAY[o.buyer_id] WHEN 'EXPIRED' THEN ARRAY[o.buyer_id, o.seller_id]
                END) AS r(profile_id)),
        got AS (SELECT (data->>'order_id')::bigint AS order_id, kind, profile_id FROM p2p_notifications
                WHERE kind LIKE 'order.%'),
        e AS (SELECT order_id, kind, profile_id, count(*) AS n FROM expect GROUP BY 1, 2, 3),
        g AS (SELECT order_id, kind, profile_id, count(*) AS n FROM got GROUP BY 1, 2, 3)
        SELECT coalesce(e.order_id, g.order_id), coalesce(e.kind, g.kind), coalesce(e.profile_id, g.profile_id),
               coalesce(e.n, 0), coalesce(g.n, 0)
        FROM e FULL JOIN g USING (order_id, kind, profile_id) WHERE e.n IS DISTINCT FROM g.n""")
    assert not told, f"order notifications that differ from the transitions (order|kind|to|expected|got) {where}:\n{told}"

    # Expiry came on time: within 5 s of the deadline (plus 3 s for a loaded machine), but
    # for deadlines that fell while PostgreSQL was down or just after (nobody could act).
    down = sim.pg_down[1] - sim.pg_down[0]
    late = sql("SELECT count(*) FROM p2p_orders WHERE status = 'EXPIRED' "
               "AND cancelled_at - expires_at > interval '8 seconds' "
               f"AND NOT expires_at BETWEEN now() - interval '{time.monotonic() - sim.pg_down[0] + 1:.0f} seconds' "
               f"AND now() - interval '{max(time.monotonic() - sim.pg_down[1] - 10, 0):.0f} seconds'")
    assert late == "0", f"{late} orders expired more than 8 s after their deadline {where} (PostgreSQL down {down:.1f}s)"

    # Profile counters equal what the orders say (every trader started at zero).
    ids = ",".join(str(u.profile_id) for u in sim.users)
    mismatch = sql(f"""
        SELECT p.id, p.total_trades, p.completed_trades, p.cancelled_trades, x.total, x.completed, x.cancelled
        FROM p2p_profiles p CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE (o.buyer_id = p.id AND o.status IN ('COMPLETED', 'CANCELLED', 'EXPIRED',
                                           'REFUNDED')) OR (o.seller_id = p.id AND o.status = 'COMPLETED')) AS total,
                   count(*) FILTER (WHERE o.status = 'COMPLETED') AS completed,
                   count(*) FILTER (WHERE o.buyer_id = p.id AND o.status IN ('CANCELLED', 'EXPIRED', 'REFUNDED'))
                       AS cancelled
            FROM p2p_orders o WHERE p.id IN (o.buyer_id, o.seller_id)) x
        WHERE p.id IN ({ids}) AND (p.total_trades, p.completed_trades, p.cancelled_trades)
              IS DISTINCT FROM (x.total, x.completed, x.cancelled)""")
    assert not mismatch, f"profile counters that differ from the orders {where}:\n{mismatch}"

    # The run exercised what it claims to, and the service came back from both blows.
    statuses = dict(line.split("|") for line in sql(
        "SELECT status, count(*) FROM p2p_orders GROUP BY status").splitlines())
    for status in ("COMPLETED", "CANCELLED", "EXPIRED"):
        assert int(statuses.get(status, 0)) > 0, f"no {status} order {where}: {statuses}"
    assert int(sql("SELECT count(*) FROM p2p_ads WHERE status = 'closed'")) > 0, f"no ad deleted {where}"
    assert int(sql("SELECT count(*) FROM p2p_ledger_entries WHERE kind = 'withdrawal'")) > 0, where
    assert sim.ok_after_restart > 100, f"only {sim.ok_after_restart} successes after PostgreSQL came back {where}"
    assert stack.trade_workers and all(w.alive() for w in stack.trade_workers), "a trade-svc died"
    print(f"simulation: seed {SEED}, {ACTIONS} actions in {ran_s:.0f} s, orders {statuses}, "
          f"{sim.unavailable} answers 503/504, {sim.ok_after_restart} successes after the restart")
