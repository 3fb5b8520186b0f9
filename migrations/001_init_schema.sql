-- 001_init_schema: the seed's p2p_profiles table and its indexes, exactly as the seed gives them.
-- Later changes go in later files; never edit an applied migration.

CREATE TABLE p2p_profiles (
    id BIGSERIAL PRIMARY KEY,
    user_id VARCHAR(255) NOT NULL UNIQUE,
    username VARCHAR(100) UNIQUE,
    phone_number VARCHAR(20),
    email VARCHAR(255),
    profile_picture_url VARCHAR(500),

    -- Trading stats
    total_trades INT DEFAULT 0,
    completed_trades INT DEFAULT 0,
    cancelled_trades INT DEFAULT 0,
    avg_rating NUMERIC(3, 2) DEFAULT 0.00,
    total_reviews INT DEFAULT 0,

    -- Status
    is_verified BOOLEAN DEFAULT FALSE,
    is_merchant BOOLEAN DEFAULT FALSE,
    is_suspended BOOLEAN DEFAULT FALSE,
    suspension_reason TEXT,
    suspended_until TIMESTAMPTZ,

    -- Consent
    has_consent BOOLEAN DEFAULT FALSE,
    consented_at TIMESTAMPTZ,

    -- Preferences
    preferred_currency VARCHAR(10),
    preferred_payment_methods JSONB,
    auto_reply_message TEXT,

    -- Metadata
    metadata JSONB,
    last_active_at TIMESTAMPTZ,
    joined_at TIMESTAMPTZ DEFAULT NOW(),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_p2p_profiles_user_id ON p2p_profiles(user_id);
CREATE INDEX idx_p2p_profiles_username ON p2p_profiles(username) WHERE username IS NOT NULL;
CREATE INDEX idx_p2p_profiles_verified ON p2p_profiles(is_verified) WHERE is_verified = TRUE;
CREATE INDEX idx_p2p_profiles_merchant ON p2p_profiles(is_merchant) WHERE is_merchant = TRUE;
CREATE INDEX idx_p2p_profiles_suspended ON p2p_profiles(is_suspended) WHERE is_suspended = TRUE;
CREATE INDEX idx_p2p_profiles_consent ON p2p_profiles(has_consent) WHERE has_consent = TRUE;
