-- bench/seed_trade.sql - the trading core's data for bench/run's ads and orders phases, in
-- SQL (seconds for 100,000 ads, where the API would take minutes), consistent with what
-- trade-svc itself would have written: every sell ad's crypto is deposited and held through
-- journal rows that chain, so scripts/ledger-check passes before and after the load.
--
-- psql variables: ads (listing ads), profiles (seeded profiles "1".."profiles", whose ids
-- equal their user_id), pairs (the orders phase's trader pairs: pair i's seller is profile
-- i + 1, its buyer profile pairs + i + 1).
--
-- Listing ads: 20 pairs (BTC, ETH, USDT, USDC x USD, EUR, GBP, NGN, INR), an index price per
-- pair, half sell and half buy, a quarter floating (margin -5..5 %), fixed prices within
-- 5 % of the index, 1-2 payment methods, remainders worth 500-10,000 USD, makers spread over
-- every seeded profile. Orders phase: one sell ad per pair on BTC/BRL (a pair no listing
-- reads), 1,000 BTC at 50,000.00 BRL, limits 10.00-1,000,000.00, method 1 (the seller has an
-- account for it); their ids are consecutive (bench/run reads the first).
\set ON_ERROR_STOP on

CREATE TEMP TABLE bench_pairs (k int PRIMARY KEY, asset text, fiat text, usd numeric, rate numeric);
INSERT INTO bench_pairs
SELECT a.i * 5 + f.i, a.code, f.code, a.usd, f.rate
FROM (VALUES (0, 'BTC', 60000), (1, 'ETH', 3000), (2, 'USDT', 1), (3, 'USDC', 1)) AS a (i, code, usd),
     (VALUES (0, 'USD', 1), (1, 'EUR', 0.92), (2, 'GBP', 0.79), (3, 'NGN', 1500), (4, 'INR', 83)) AS f (i, code, rate);

INSERT INTO p2p_prices (asset, fiat, price, updated_by)
SELECT asset, fiat, round(usd * rate, 2), 'bench' FROM bench_pairs
UNION ALL SELECT 'BTC', 'BRL', 300000.00, 'bench';

INSERT INTO p2p_ads (profile_id, type, asset, fiat, price_type, price, margin_pct, effective_price,
                     total_amount, min_limit, max_limit, payment_method_ids)
SELECT maker, side, asset, fiat, kind,
       CASE WHEN kind = 'fixed' THEN round(index_price * (1 + spread / 10000.0), 2) END,
       CASE WHEN kind = 'floating' THEN margin END,
       round(index_price * (1 + CASE WHEN kind = 'fixed' THEN spread / 10000.0 ELSE margin / 100 END), 2),
       total, round(10 * rate, 2), greatest(round(10 * rate, 2), round(5000 * rate, 2)),
       ARRAY[1 + g % 7, 8 + (g / 7) % 7]::int[]
FROM (SELECT g, 1 + (g * 7) % :profiles AS maker,
             CASE WHEN (g / 20) % 2 = 0 THEN 'sell' ELSE 'buy' END AS side,
             CASE WHEN g % 4 = 0 THEN 'floating' ELSE 'fixed' END AS kind,
             ((g * 7919) % 1001 - 500) / 100.0 AS margin, (g * 104729) % 1001 - 500 AS spread,
             p.asset, p.fiat, p.rate, round(p.usd * p.rate, 2) AS index_price,
             trunc((500 + (g * 31) % 9500) / p.usd::numeric, ac.decimals) AS total
      FROM generate_series(1::bigint, :ads) AS g
      JOIN bench_pairs p ON p.k = g % 20
      JOIN p2p_assets ac ON ac.code = p.asset) s
ORDER BY g;

INSERT INTO p2p_ads (profile_id, type, asset, fiat, price_type, price, effective_price, total_amount,
                     min_limit, max_limit, payment_method_ids)
SELECT i + 1, 'sell', 'BTC', 'BRL', 'fixed', 50000.00, 50000.00, 1000, 10.00, 1000000.00, ARRAY[1]
FROM generate_series(0, :pairs - 1) AS i
ORDER BY i;

INSERT INTO p2p_payment_accounts (profile_id, payment_method_id, label, details)
SELECT i + 1, 1, 'bench bank', '{"iban": "BENCH 0001", "holder": "Bench Seller"}'
FROM generate_series(0, :pairs - 1) AS i;

-- Money: each maker deposits exactly what its sell ads hold, then each sell ad holds its
-- total (ad_hold rows in ad id order, running balances computed as trade-svc would have).
CREATE TEMP TABLE bench_deposits AS
SELECT profile_id, asset, sum(total_amount) AS amount FROM p2p_ads WHERE type = 'sell'
GROUP BY profile_id, asset;

INSERT INTO p2p_ledger_entries (profile_id, asset, kind, amount, available_delta, held_delta,
                                available_after, held_after, reference, actor)
SELECT profile_id, asset, 'deposit', amount, amount, 0, amount, 0,
       'bench-seed-' || profile_id || '-' || asset, 'bench'
FROM bench_deposits ORDER BY profile_id, asset;

INSERT INTO p2p_ledger_entries (profile_id, asset, kind, amount, available_delta, held_delta,
                                available_after, held_after, ad_id)
SELECT a.profile_id, a.asset, 'ad_hold', a.total_amount, -a.total_amount, a.total_amount,
       d.amount - sum(a.total_amount) OVER w, sum(a.total_amount) OVER w, a.id
FROM p2p_ads a JOIN bench_deposits d USING (profile_id, asset)
WHERE a.type = 'sell'
WINDOW w AS (PARTITION BY a.profile_id, a.asset ORDER BY a.id)
ORDER BY a.id;

INSERT INTO p2p_wallets (profile_id, asset, available, held)
SELECT profile_id, asset, 0, amount FROM bench_deposits;

VACUUM ANALYZE p2p_ads;
VACUUM ANALYZE p2p_ledger_entries;
VACUUM ANALYZE p2p_wallets;
VACUUM ANALYZE p2p_payment_accounts;
