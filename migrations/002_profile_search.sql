-- 002_profile_search: case-insensitive username uniqueness, substring search on usernames,
-- an index for the search ordering, and CHECK constraints that mirror the contract's
-- validation (docs: /work/shared/CONTRACT.md "Validation").
--
-- The CHECKs are a backstop, not the validator: profile-svc validates first and answers 400
-- naming the field. They are deliberately no stricter than the contract, so anything the
-- service accepts is also accepted here (a stricter CHECK would turn a valid request into a
-- 5xx). Optional contact fields may be NULL or '' (cleared).

-- pg_trgm is a trusted extension: the database owner may create it without superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- "alice" and "Alice" are the same username. NULLs stay distinct, so profiles without a
-- username are unaffected. Not partial, so `ON CONFLICT ((lower(username)))` can infer it.
CREATE UNIQUE INDEX idx_p2p_profiles_username_lower_uniq
    ON p2p_profiles (lower(username));

-- Serves `lower(username) LIKE '%x%'` (and ILIKE on lower()) for profile.search and the
-- admin listing; a btree cannot help a leading wildcard.
CREATE INDEX idx_p2p_profiles_username_trgm
    ON p2p_profiles USING gin (lower(username) gin_trgm_ops);

-- Search results are ordered best first among profiles others may see. The predicate must
-- appear in the query (has_consent AND NOT is_suspended, or = TRUE / = FALSE) for the
-- planner to use this index.
CREATE INDEX idx_p2p_profiles_search_order
    ON p2p_profiles (avg_rating DESC, completed_trades DESC, id)
    WHERE has_consent AND NOT is_suspended;

-- Status flags and counters always have a value: `NOT is_suspended` on a NULL would hide
-- a profile from search, and NULL counters would break completion_rate.
ALTER TABLE p2p_profiles
    ALTER COLUMN total_trades SET NOT NULL,
    ALTER COLUMN completed_trades SET NOT NULL,
    ALTER COLUMN cancelled_trades SET NOT NULL,
    ALTER COLUMN avg_rating SET NOT NULL,
    ALTER COLUMN total_reviews SET NOT NULL,
    ALTER COLUMN is_verified SET NOT NULL,
    ALTER COLUMN is_merchant SET NOT NULL,
    ALTER COLUMN is_suspended SET NOT NULL,
    ALTER COLUMN has_consent SET NOT NULL;

ALTER TABLE p2p_profiles
    -- 3-30 chars of [A-Za-z0-9_].
    ADD CONSTRAINT p2p_profiles_username_format
        CHECK (username ~ '^[A-Za-z0-9_]{3,30}$'),
    -- E.164: '+' then 7-15 digits.
    ADD CONSTRAINT p2p_profiles_phone_number_format
        CHECK (phone_number = '' OR phone_number ~ '^\+[0-9]{7,15}$'),
    -- Plausible address: exactly one '@' and a dot after it (255 chars is the column width).
    ADD CONSTRAINT p2p_profiles_email_format
        CHECK (email = '' OR email ~ '^[^@]*@[^@]*\.[^@]*$'),
    -- http:// or https:// (500 chars is the column width).
    ADD CONSTRAINT p2p_profiles_profile_picture_url_format
        CHECK (profile_picture_url = '' OR profile_picture_url ~* '^https?://'),
    -- 3-10 uppercase letters.
    ADD CONSTRAINT p2p_profiles_preferred_currency_format
        CHECK (preferred_currency = '' OR preferred_currency ~ '^[A-Z]{3,10}$'),
    -- An array of at most 20 entries (distinct positive integers is checked by the service);
    -- a JSON null is tolerated as "none".
    ADD CONSTRAINT p2p_profiles_preferred_payment_methods_array
        -- CASE, because AND does not promise evaluation order and jsonb_array_length()
        -- raises on a non-array.
        CHECK (preferred_payment_methods IS NULL
               OR CASE jsonb_typeof(preferred_payment_methods)
                      WHEN 'array' THEN jsonb_array_length(preferred_payment_methods) <= 20
                      WHEN 'null' THEN TRUE
                      ELSE FALSE
                  END),
    ADD CONSTRAINT p2p_profiles_auto_reply_message_length
        CHECK (char_length(auto_reply_message) <= 500),
    -- Stats are maintained by the system and are never negative; ratings are 0-5 stars.
    ADD CONSTRAINT p2p_profiles_stats_nonnegative
        CHECK (total_trades >= 0 AND completed_trades >= 0 AND cancelled_trades >= 0
               AND total_reviews >= 0),
    ADD CONSTRAINT p2p_profiles_avg_rating_range
        CHECK (avg_rating >= 0 AND avg_rating <= 5);
