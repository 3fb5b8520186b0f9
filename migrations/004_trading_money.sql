-- 004_trading_money: the money of the trading core (TRADING.md "Money", "Wallets",
-- "Payment methods and accounts", "Prices"). Every table here is written by trade-svc only
-- (docs/DESIGN.md "Who writes what").
--
-- Amounts are NUMERIC(38, 8): exact, and wide enough for any asset's 8 decimals. An asset
-- with fewer decimals (USDT: 6) stores zeros past them; trade-svc validates every amount
-- against the asset's decimals before it reaches a statement, and prints replies with
-- exactly those decimals. Nothing here is ever a float.

-- Assets (crypto) and fiat currencies are data, not code: a new one is a row.
CREATE TABLE p2p_assets (
    code VARCHAR(10) PRIMARY KEY CONSTRAINT p2p_assets_code_format CHECK (code ~ '^[A-Z0-9]{2,10}$'),
    name TEXT NOT NULL,
    decimals SMALLINT NOT NULL CONSTRAINT p2p_assets_decimals_range CHECK (decimals BETWEEN 0 AND 8),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INT NOT NULL DEFAULT 0
);

CREATE TABLE p2p_fiat_currencies (
    code VARCHAR(10) PRIMARY KEY CONSTRAINT p2p_fiat_code_format CHECK (code ~ '^[A-Z]{3,10}$'),
    name TEXT NOT NULL,
    decimals SMALLINT NOT NULL CONSTRAINT p2p_fiat_decimals_range CHECK (decimals BETWEEN 0 AND 4),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INT NOT NULL DEFAULT 0
);

INSERT INTO p2p_assets (code, name, decimals, sort_order) VALUES
    ('BTC', 'Bitcoin', 8, 1),
    ('ETH', 'Ether', 8, 2),
    ('USDT', 'Tether USD', 6, 3),
    ('USDC', 'USD Coin', 6, 4);

INSERT INTO p2p_fiat_currencies (code, name, decimals, sort_order) VALUES
    ('USD', 'US Dollar', 2, 1),
    ('EUR', 'Euro', 2, 2),
    ('GBP', 'Pound Sterling', 2, 3),
    ('NGN', 'Nigerian Naira', 2, 4),
    ('KES', 'Kenyan Shilling', 2, 5),
    ('INR', 'Indian Rupee', 2, 6),
    ('BRL', 'Brazilian Real', 2, 7),
    ('JPY', 'Japanese Yen', 0, 8);

-- One wallet per profile and asset: what the user may use (available) and what is set
-- aside for ads and orders in escrow (held). A balance can never go negative: the CHECKs
-- make the database refuse it even if a bug tried.
CREATE TABLE p2p_wallets (
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    asset VARCHAR(10) NOT NULL REFERENCES p2p_assets (code),
    available NUMERIC(38, 8) NOT NULL DEFAULT 0 CONSTRAINT p2p_wallets_available_nonnegative CHECK (available >= 0),
    held NUMERIC(38, 8) NOT NULL DEFAULT 0 CONSTRAINT p2p_wallets_held_nonnegative CHECK (held >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (profile_id, asset)
);

-- The journal: one row per wallet a movement touches, written in the same statement as the
-- wallet change (trade-svc/ledger_repo.c), so a wallet always equals the sum of its rows:
--   available = sum(available_delta), held = sum(held_delta).
-- amount is what TRADING.md shows users: the change of the wallet's total (available + held),
-- signed, or for a movement between available and held the amount moved, positive.
-- Deposits and withdrawals carry the operator's reference (e.g. a chain transaction id),
-- unique per kind: repeating a call with the same reference finds this row instead of
-- applying it twice.
CREATE TABLE p2p_ledger_entries (
    id BIGSERIAL PRIMARY KEY,
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    asset VARCHAR(10) NOT NULL REFERENCES p2p_assets (code),
    kind TEXT NOT NULL CONSTRAINT p2p_ledger_kind_known
        CHECK (kind IN ('deposit', 'withdrawal', 'ad_hold', 'ad_release', 'order_hold', 'release', 'refund')),
    amount NUMERIC(38, 8) NOT NULL,
    available_delta NUMERIC(38, 8) NOT NULL,
    held_delta NUMERIC(38, 8) NOT NULL,
    available_after NUMERIC(38, 8) NOT NULL CHECK (available_after >= 0),
    held_after NUMERIC(38, 8) NOT NULL CHECK (held_after >= 0),
    reference VARCHAR(100),
    ad_id BIGINT,
    order_id BIGINT,
    actor VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT p2p_ledger_reference_for_operators
        CHECK ((kind IN ('deposit', 'withdrawal')) = (reference IS NOT NULL)),
    CONSTRAINT p2p_ledger_reference_length CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 100)
);

CREATE UNIQUE INDEX idx_p2p_ledger_reference_uniq
    ON p2p_ledger_entries (kind, reference) WHERE reference IS NOT NULL;
-- wallet.history: a user's entries newest first, optionally of one asset.
CREATE INDEX idx_p2p_ledger_profile ON p2p_ledger_entries (profile_id, id DESC);
CREATE INDEX idx_p2p_ledger_profile_asset ON p2p_ledger_entries (profile_id, asset, id DESC);
-- The admin ledger view across all users, newest first, and its asset filter.
CREATE INDEX idx_p2p_ledger_asset ON p2p_ledger_entries (asset, id DESC);

-- The payment-method catalog. Operators add methods and switch them off; an inactive
-- method cannot be put on a new ad or account, and what exists keeps its id.
CREATE TABLE p2p_payment_methods (
    id SERIAL PRIMARY KEY,
    code VARCHAR(50) NOT NULL CONSTRAINT p2p_payment_methods_code_uniq UNIQUE
        CONSTRAINT p2p_payment_methods_code_format CHECK (code ~ '^[a-z0-9_]{2,50}$'),
    name VARCHAR(100) NOT NULL CONSTRAINT p2p_payment_methods_name_length CHECK (length(name) BETWEEN 1 AND 100),
    kind TEXT NOT NULL CONSTRAINT p2p_payment_methods_kind_known
        CHECK (kind IN ('bank_transfer', 'mobile_money', 'e_wallet', 'cash', 'other')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

INSERT INTO p2p_payment_methods (code, name, kind) VALUES
    ('bank_transfer', 'Bank Transfer', 'bank_transfer'),
    ('sepa', 'SEPA Transfer', 'bank_transfer'),
    ('faster_payments', 'Faster Payments (UK)', 'bank_transfer'),
    ('ach', 'ACH Transfer (US)', 'bank_transfer'),
    ('mpesa', 'M-Pesa', 'mobile_money'),
    ('mtn_momo', 'MTN Mobile Money', 'mobile_money'),
    ('airtel_money', 'Airtel Money', 'mobile_money'),
    ('upi', 'UPI', 'e_wallet'),
    ('pix', 'Pix', 'e_wallet'),
    ('paypal', 'PayPal', 'e_wallet'),
    ('wise', 'Wise', 'e_wallet'),
    ('revolut', 'Revolut', 'e_wallet'),
    ('opay', 'OPay', 'e_wallet'),
    ('cash_in_person', 'Cash in Person', 'cash');

-- A user's own payment details for a method (account number, holder name, ...). Only the
-- owner sees them; an order takes a copy at creation, so deleting an account never changes
-- an order.
CREATE TABLE p2p_payment_accounts (
    id BIGSERIAL PRIMARY KEY,
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    payment_method_id INT NOT NULL REFERENCES p2p_payment_methods (id),
    label VARCHAR(50) NOT NULL CONSTRAINT p2p_payment_accounts_label_length CHECK (length(label) BETWEEN 1 AND 50),
    details JSONB NOT NULL CONSTRAINT p2p_payment_accounts_details_object CHECK (jsonb_typeof(details) = 'object'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_p2p_payment_accounts_profile ON p2p_payment_accounts (profile_id, payment_method_id);

-- Index prices, fiat per one unit of the asset, set by operators. A price older than
-- P2P_PRICE_MAX_AGE_S is stale: floating ads on that pair are neither listed nor orderable.
CREATE TABLE p2p_prices (
    asset VARCHAR(10) NOT NULL REFERENCES p2p_assets (code),
    fiat VARCHAR(10) NOT NULL REFERENCES p2p_fiat_currencies (code),
    price NUMERIC(38, 8) NOT NULL CONSTRAINT p2p_prices_positive CHECK (price > 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_by VARCHAR(255) NOT NULL,
    PRIMARY KEY (asset, fiat)
);

-- The audit log now records trading changes too, some of which concern no profile (a
-- price, a payment method): profile_id becomes optional, and target names the object
-- ("price:BTC/USD", "payment_method:3", "ledger:17", later "dispute:4", "review:9").
ALTER TABLE p2p_admin_audit ALTER COLUMN profile_id DROP NOT NULL;
ALTER TABLE p2p_admin_audit ADD COLUMN target VARCHAR(100);
ALTER TABLE p2p_admin_audit DROP CONSTRAINT p2p_admin_audit_action_known;
ALTER TABLE p2p_admin_audit ADD CONSTRAINT p2p_admin_audit_action_known
    CHECK (action IN ('suspend', 'unsuspend', 'verify', 'unverify', 'grant_merchant', 'revoke_merchant',
                      'wallet_credit', 'wallet_debit', 'set_price',
                      'add_payment_method', 'activate_payment_method', 'deactivate_payment_method',
                      'dispute_message', 'resolve_dispute', 'hide_review', 'unhide_review'));
ALTER TABLE p2p_admin_audit ADD CONSTRAINT p2p_admin_audit_names_something
    CHECK (profile_id IS NOT NULL OR target IS NOT NULL);
CREATE INDEX idx_p2p_admin_audit_target ON p2p_admin_audit (target, created_at DESC) WHERE target IS NOT NULL;
