"""Helpers for the trading tests (TRADING.md): admin calls, wallets, and the ledger's
invariants read straight from PostgreSQL, so a test can check what the database holds
and not only what the API says."""

import uuid
from decimal import Decimal

import p2p_harness as h

ADMIN = "/api/p2p/admin"
ADMIN_ID = "it_trade_admin_" + uuid.uuid4().hex[:12]

ASSETS = {"BTC": 8, "ETH": 8, "USDT": 6, "USDC": 6}
FIATS = {"USD": 2, "EUR": 2, "GBP": 2, "NGN": 2, "KES": 2, "INR": 2, "BRL": 2, "JPY": 0}


def admin(stack, method, path, body=h._NO_BODY, admin_id=ADMIN_ID):
    return h.http_request(stack, method, ADMIN + path, token=stack.admin_token(admin_id),
                          json_body=body)


def new_reference(prefix="it"):
    return f"{prefix}-{uuid.uuid4().hex}"


def credit(stack, profile_id, asset, amount, reference=None, expect=201):
    r = admin(stack, "POST", f"/wallets/{profile_id}/credit",
              {"asset": asset, "amount": amount, "reference": reference or new_reference()})
    if expect is not None:
        assert r.status == expect, r
    return r


def debit(stack, profile_id, asset, amount, reference=None, expect=201):
    r = admin(stack, "POST", f"/wallets/{profile_id}/debit",
              {"asset": asset, "amount": amount, "reference": reference or new_reference()})
    if expect is not None:
        assert r.status == expect, r
    return r


def set_price(stack, asset, fiat, price, expect=200):
    r = admin(stack, "PUT", f"/prices/{asset}/{fiat}", {"price": price})
    if expect is not None:
        assert r.status == expect, r
    return r


def balances(user):
    """{asset: (available, held)} as the API prints them (strings)."""
    r = user.get("/api/p2p/wallet")
    assert r.status == 200, r
    return {b["asset"]: (b["available"], b["held"]) for b in r.json["data"]["balances"]}


def db_wallet(profile_id, asset):
    """(available, held) as Decimals from the table, (0, 0) when there is no row."""
    out = h.psql(f"SELECT available, held FROM p2p_wallets WHERE profile_id = {int(profile_id)} "
                 f"AND asset = {h.sql_literal(asset)}").strip()
    if not out:
        return Decimal(0), Decimal(0)
    a, b = out.split("|")
    return Decimal(a), Decimal(b)


def journal_mismatches(profile_ids=None):
    """Wallets whose balances differ from the sum of their journal rows, or whose rows'
    running balances (available_after/held_after) do not chain: [] when consistent."""
    where = ""
    if profile_ids:
        where = "WHERE w.profile_id IN (" + ",".join(str(int(p)) for p in profile_ids) + ")"
    out = h.psql(f"""
        SELECT w.profile_id, w.asset, w.available, w.held,
               coalesce(sum(l.available_delta), 0), coalesce(sum(l.held_delta), 0)
        FROM p2p_wallets w
        LEFT JOIN p2p_ledger_entries l ON l.profile_id = w.profile_id AND l.asset = w.asset
        {where}
        GROUP BY w.profile_id, w.asset, w.available, w.held
        HAVING w.available <> coalesce(sum(l.available_delta), 0)
            OR w.held <> coalesce(sum(l.held_delta), 0)""").strip()
    bad = [line for line in out.splitlines() if line]
    # each row's running balance is the previous row's plus its deltas
    where2 = ""
    if profile_ids:
        where2 = "WHERE profile_id IN (" + ",".join(str(int(p)) for p in profile_ids) + ")"
    chain = h.psql(f"""
        SELECT id FROM (
            SELECT id, available_after, held_after,
                   sum(available_delta) OVER w AS a, sum(held_delta) OVER w AS b
            FROM p2p_ledger_entries {where2}
            WINDOW w AS (PARTITION BY profile_id, asset ORDER BY id)) x
        WHERE available_after <> a OR held_after <> b""").strip()
    bad += [f"entry {line} does not chain" for line in chain.splitlines() if line]
    return bad


def asset_supply_mismatches():
    """Per asset, the sum of every wallet (available + held) must equal deposits minus
    withdrawals: trading only moves crypto between wallets. [] when it holds."""
    out = h.psql("""
        SELECT a.code, coalesce(w.total, 0), coalesce(l.net, 0)
        FROM p2p_assets a
        LEFT JOIN (SELECT asset, sum(available + held) AS total FROM p2p_wallets GROUP BY asset) w
               ON w.asset = a.code
        LEFT JOIN (SELECT asset, sum(amount) AS net FROM p2p_ledger_entries
                   WHERE kind IN ('deposit', 'withdrawal') GROUP BY asset) l ON l.asset = a.code
        WHERE coalesce(w.total, 0) <> coalesce(l.net, 0)""").strip()
    return [line for line in out.splitlines() if line]


def negative_balances():
    out = h.psql("SELECT profile_id, asset FROM p2p_wallets WHERE available < 0 OR held < 0").strip()
    return [line for line in out.splitlines() if line]


def fmt(value, decimals):
    """A Decimal printed the way the API prints amounts: exactly `decimals` places."""
    return f"{Decimal(value):.{decimals}f}"


# ------------------------------------------------------------------ ads and orders

def method_id(user, code="sepa"):
    r = user.get("/api/p2p/payment-methods")
    assert r.status == 200, r
    return next(m["id"] for m in r.json["data"]["payment_methods"] if m["code"] == code)


def add_account(user, code="sepa", details=None):
    mid = method_id(user, code)
    r = user.post("/api/p2p/payment-accounts",
                  {"payment_method_id": mid, "label": f"my {code}",
                   "details": details or {"iban": "DE00 1234", "holder": "Test Holder"}})
    assert r.status == 201, r
    return r.json["data"]["payment_account"]


def ad_body(**over):
    """A valid fixed-price sell ad body (BTC/USD), with overrides."""
    body = {"type": "sell", "asset": "BTC", "fiat": "USD", "price_type": "fixed", "price": "50000.00",
            "total_amount": "0.10000000", "min_limit": "10.00", "max_limit": "5000.00",
            "payment_method_ids": [1], "payment_window_minutes": 30, "terms": "Be quick",
            "auto_reply": ""}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def seller_ready(stack, btc="1", code="sepa"):
    """A fresh user with BTC and a payment account for `code`."""
    u = h.create_user(stack)
    if btc:
        credit(stack, u.profile_id, "BTC", btc)
    add_account(u, code)
    return u


def post_ad(user, expect=201, **over):
    body = ad_body(**over)
    if "payment_method_ids" not in over:
        body["payment_method_ids"] = [method_id(user, "sepa")]
    r = user.post("/api/p2p/ads", body)
    if expect is not None:
        assert r.status == expect, r
    return r


def new_fiat(decimals=2):
    """A fiat currency of its own for one test (listings there hold only its ads)."""
    import random
    import string
    code = "T" + "".join(random.choice(string.ascii_uppercase) for _ in range(8))
    h.psql(f"INSERT INTO p2p_fiat_currencies (code, name, decimals) VALUES ('{code}', 'Test {code}', {decimals})")
    return code
