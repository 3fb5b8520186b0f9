-- 005_trading_ads_orders: ads and orders with escrow (TRADING.md "Ads", "Orders"). Written by
-- trade-svc only. Every order transition is a compare-and-set on p2p_orders.status in one
-- transaction with its ledger movement, the ad's remainder, the profile stats and the
-- order event (trade-svc/order_ops.c).

CREATE TABLE p2p_ads (
    id BIGSERIAL PRIMARY KEY,
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    -- the maker's side: in a sell ad the maker sells crypto
    type TEXT NOT NULL CONSTRAINT p2p_ads_type_known CHECK (type IN ('buy', 'sell')),
    asset VARCHAR(10) NOT NULL REFERENCES p2p_assets (code),
    fiat VARCHAR(10) NOT NULL REFERENCES p2p_fiat_currencies (code),
    price_type TEXT NOT NULL CONSTRAINT p2p_ads_price_type_known CHECK (price_type IN ('fixed', 'floating')),
    price NUMERIC(38, 8),
    margin_pct NUMERIC(5, 2),
    -- the price a taker gets now: the fixed price, or index * (1 + margin_pct / 100)
    -- rounded half up to the fiat's decimals, rewritten with every index change in the
    -- same transaction (trade-svc/price_ops.c), so listings sort on an index
    effective_price NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_ads_effective_price_positive CHECK (effective_price > 0),
    total_amount NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_ads_total_positive CHECK (total_amount > 0),
    -- crypto taken by orders that are open or completed; remaining = total - taken
    taken_amount NUMERIC(38, 8) NOT NULL DEFAULT 0,
    min_limit NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_ads_min_positive CHECK (min_limit > 0),
    max_limit NUMERIC(38, 8) NOT NULL,
    payment_method_ids INT[] NOT NULL,
    payment_window_minutes INT NOT NULL DEFAULT 30
        CONSTRAINT p2p_ads_window_range CHECK (payment_window_minutes BETWEEN 15 AND 1440),
    terms TEXT NOT NULL DEFAULT '' CONSTRAINT p2p_ads_terms_length CHECK (char_length(terms) <= 2500),
    auto_reply TEXT NOT NULL DEFAULT '' CONSTRAINT p2p_ads_auto_reply_length CHECK (char_length(auto_reply) <= 500),
    req_min_completed_trades INT NOT NULL DEFAULT 0
        CONSTRAINT p2p_ads_req_trades_range CHECK (req_min_completed_trades BETWEEN 0 AND 10000),
    req_verified_only BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'active' CONSTRAINT p2p_ads_status_known CHECK (status IN ('active', 'paused', 'closed')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    closed_at TIMESTAMPTZ,
    CONSTRAINT p2p_ads_price_matches_type CHECK (
        (price_type = 'fixed' AND price > 0 AND margin_pct IS NULL)
        OR (price_type = 'floating' AND price IS NULL AND margin_pct BETWEEN -50 AND 50)),
    CONSTRAINT p2p_ads_limits_ordered CHECK (min_limit <= max_limit),
    CONSTRAINT p2p_ads_taken_range CHECK (taken_amount >= 0 AND taken_amount <= total_amount),
    CONSTRAINT p2p_ads_methods_count CHECK (cardinality(payment_method_ids) BETWEEN 1 AND 5)
);

-- Listings: one pair and side, best price for the taker first. The index walk gives the
-- price order; the few ads of an equal price are then sorted by the maker's completion rate
-- and id. Only active ads are in them.
CREATE INDEX idx_p2p_ads_list_sell
    ON p2p_ads (asset, fiat, effective_price ASC, id) WHERE status = 'active' AND type = 'sell';
CREATE INDEX idx_p2p_ads_list_buy
    ON p2p_ads (asset, fiat, effective_price DESC, id) WHERE status = 'active' AND type = 'buy';
-- A maker's own ads (ad.my_ads), and the floating ads an index change rewrites.
CREATE INDEX idx_p2p_ads_profile ON p2p_ads (profile_id, id DESC);
CREATE INDEX idx_p2p_ads_floating ON p2p_ads (asset, fiat) WHERE price_type = 'floating' AND status <> 'closed';

CREATE TABLE p2p_orders (
    id BIGSERIAL PRIMARY KEY,
    -- 8 characters for humans (support calls, bank transfer references)
    reference CHAR(8) NOT NULL CONSTRAINT p2p_orders_reference_uniq UNIQUE,
    ad_id BIGINT NOT NULL REFERENCES p2p_ads (id),
    type TEXT NOT NULL CONSTRAINT p2p_orders_type_known CHECK (type IN ('buy', 'sell')),
    maker_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    taker_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    buyer_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    seller_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    asset VARCHAR(10) NOT NULL REFERENCES p2p_assets (code),
    fiat VARCHAR(10) NOT NULL REFERENCES p2p_fiat_currencies (code),
    price NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_orders_price_positive CHECK (price > 0),
    crypto_amount NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_orders_crypto_positive CHECK (crypto_amount > 0),
    fiat_amount NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_orders_fiat_positive CHECK (fiat_amount > 0),
    payment_method_id INT NOT NULL REFERENCES p2p_payment_methods (id),
    payment_method_name VARCHAR(100) NOT NULL,
    -- the seller's payment account for the method, copied at creation: {label, details}
    payment_account JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING_PAYMENT' CONSTRAINT p2p_orders_status_known
        CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'DISPUTED', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED')),
    -- the escrow: held until exactly one of release (to the buyer) or return (to the seller
    -- or the ad); set with that movement, so a retried transition can never move it twice
    escrow_settled_at TIMESTAMPTZ,
    payment_window_minutes INT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    paid_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    client_order_id VARCHAR(64) CONSTRAINT p2p_orders_client_id_format CHECK (client_order_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    CONSTRAINT p2p_orders_parties_differ CHECK (buyer_id <> seller_id),
    CONSTRAINT p2p_orders_settled_when_final CHECK (
        (status IN ('COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED')) = (escrow_settled_at IS NOT NULL))
);

-- client_order_id makes order.create safe to retry: unique per taker.
CREATE UNIQUE INDEX idx_p2p_orders_client_id ON p2p_orders (taker_id, client_order_id)
    WHERE client_order_id IS NOT NULL;
-- order.list for a party, newest first; the open-order and daily-cancel limits.
CREATE INDEX idx_p2p_orders_buyer ON p2p_orders (buyer_id, id DESC);
CREATE INDEX idx_p2p_orders_seller ON p2p_orders (seller_id, id DESC);
CREATE INDEX idx_p2p_orders_buyer_open ON p2p_orders (buyer_id) WHERE status = 'PENDING_PAYMENT';
CREATE INDEX idx_p2p_orders_buyer_cancelled ON p2p_orders (buyer_id, cancelled_at)
    WHERE status IN ('CANCELLED', 'EXPIRED');
-- The expiry sweeper: unpaid orders by deadline.
CREATE INDEX idx_p2p_orders_expiry ON p2p_orders (expires_at) WHERE status = 'PENDING_PAYMENT';
-- An ad's orders that are not final (ad.delete refuses while any exist).
CREATE INDEX idx_p2p_orders_ad_open ON p2p_orders (ad_id)
    WHERE status IN ('PENDING_PAYMENT', 'PAID', 'DISPUTED');
-- The admin's order list, newest first.
CREATE INDEX idx_p2p_orders_status ON p2p_orders (status, id DESC);

-- Every state an order entered, oldest first, and who moved it.
CREATE TABLE p2p_order_events (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES p2p_orders (id),
    status TEXT NOT NULL,
    actor TEXT NOT NULL CONSTRAINT p2p_order_events_actor_known CHECK (actor IN ('buyer', 'seller', 'admin', 'system')),
    actor_id VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_p2p_order_events_order ON p2p_order_events (order_id, id);

-- The journal's links to what caused a movement.
ALTER TABLE p2p_ledger_entries ADD CONSTRAINT p2p_ledger_ad_fk FOREIGN KEY (ad_id) REFERENCES p2p_ads (id);
ALTER TABLE p2p_ledger_entries ADD CONSTRAINT p2p_ledger_order_fk FOREIGN KEY (order_id) REFERENCES p2p_orders (id);
CREATE INDEX idx_p2p_ledger_order ON p2p_ledger_entries (order_id) WHERE order_id IS NOT NULL;
