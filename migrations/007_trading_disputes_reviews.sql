-- 007_trading_disputes_reviews: disputes judged on evidence, and reviews that build
-- reputation (TRADING.md "Disputes", "Reviews"). Written by trade-svc only. A ruling moves the
-- escrow, the order, the counters, the notifications and the audit row in one transaction.

CREATE TABLE p2p_disputes (
    id BIGSERIAL PRIMARY KEY,
    -- one dispute per order, ever
    order_id BIGINT NOT NULL CONSTRAINT p2p_disputes_order_uniq UNIQUE REFERENCES p2p_orders (id),
    raised_by TEXT NOT NULL CONSTRAINT p2p_disputes_raiser_known CHECK (raised_by IN ('buyer', 'seller')),
    raiser_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    reason TEXT NOT NULL CONSTRAINT p2p_disputes_reason_known
        CHECK (reason IN ('payment_not_received', 'paid_but_not_released', 'wrong_amount', 'fraud', 'other')),
    description TEXT NOT NULL CONSTRAINT p2p_disputes_description_length
        CHECK (char_length(description) BETWEEN 10 AND 2000),
    status TEXT NOT NULL DEFAULT 'open' CONSTRAINT p2p_disputes_status_known CHECK (status IN ('open', 'resolved')),
    outcome TEXT CONSTRAINT p2p_disputes_outcome_known CHECK (outcome IN ('release', 'refund')),
    note TEXT,
    resolved_by TEXT CONSTRAINT p2p_disputes_resolver_known CHECK (resolved_by IN ('admin', 'system')),
    resolver_user_id VARCHAR(255),
    -- the other party's deadline to answer with evidence (the automatic rule)
    respond_by TIMESTAMPTZ NOT NULL,
    -- the other party has answered: the automatic rule no longer applies
    answered_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    CONSTRAINT p2p_disputes_resolved_fields CHECK (
        (status = 'open') = (outcome IS NULL AND resolved_by IS NULL AND resolved_at IS NULL))
);
-- The moderators' queue (oldest open first) and the automatic rule's timer.
CREATE INDEX idx_p2p_disputes_open ON p2p_disputes (created_at, id) WHERE status = 'open';
CREATE INDEX idx_p2p_disputes_due ON p2p_disputes (respond_by) WHERE status = 'open' AND answered_at IS NULL;
CREATE INDEX idx_p2p_disputes_status ON p2p_disputes (status, created_at, id);

CREATE TABLE p2p_dispute_evidence (
    id BIGSERIAL PRIMARY KEY,
    dispute_id BIGINT NOT NULL REFERENCES p2p_disputes (id),
    by_role TEXT NOT NULL CONSTRAINT p2p_evidence_by_known CHECK (by_role IN ('buyer', 'seller')),
    author_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    text TEXT CONSTRAINT p2p_evidence_text_length CHECK (text IS NULL OR char_length(text) BETWEEN 1 AND 2000),
    attachment_id BIGINT REFERENCES p2p_attachments (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT p2p_evidence_says_something CHECK (text IS NOT NULL OR attachment_id IS NOT NULL)
);
CREATE INDEX idx_p2p_evidence_dispute ON p2p_dispute_evidence (dispute_id, id);

CREATE TABLE p2p_reviews (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES p2p_orders (id),
    reviewer_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    reviewee_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    rating SMALLINT NOT NULL CONSTRAINT p2p_reviews_rating_range CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '' CONSTRAINT p2p_reviews_comment_length CHECK (char_length(comment) <= 500),
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    hidden_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- each party reviews an order once
    CONSTRAINT p2p_reviews_once UNIQUE (order_id, reviewer_id),
    CONSTRAINT p2p_reviews_not_self CHECK (reviewer_id <> reviewee_id)
);
-- review.list: a profile's visible reviews, newest first.
CREATE INDEX idx_p2p_reviews_reviewee ON p2p_reviews (reviewee_id, id DESC) WHERE NOT hidden;
