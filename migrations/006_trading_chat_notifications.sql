-- 006_trading_chat_notifications: the order chat with proof-of-payment attachments, and
-- notifications with their delivery outbox (TRADING.md "Chat", "Notifications"). Written by
-- trade-svc only; a chat system message and a notification are written in the same
-- transaction as the order transition that causes them.

-- Proof of payment and evidence: PNG, JPEG or PDF, at most 5 MiB, stored here so every
-- worker and every backup has them. The type was checked against the file's magic bytes.
CREATE TABLE p2p_attachments (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES p2p_orders (id),
    uploader_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    content_type TEXT NOT NULL CONSTRAINT p2p_attachments_type_known
        CHECK (content_type IN ('image/png', 'image/jpeg', 'application/pdf')),
    size INT NOT NULL CONSTRAINT p2p_attachments_size_range CHECK (size BETWEEN 1 AND 5242880),
    sha256 CHAR(64) NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_p2p_attachments_order ON p2p_attachments (order_id);
CREATE INDEX idx_p2p_attachments_uploader ON p2p_attachments (uploader_id, created_at);

-- One room per order. sender_id is the party's profile (NULL for the system and for an
-- admin, whose user id is admin_user_id). Each party reads at their own pace: a message
-- not sent by a party is unread for them until their read time is set.
CREATE TABLE p2p_chat_messages (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES p2p_orders (id),
    sender TEXT NOT NULL CONSTRAINT p2p_chat_sender_known CHECK (sender IN ('buyer', 'seller', 'admin', 'system')),
    sender_id BIGINT REFERENCES p2p_profiles (id),
    admin_user_id VARCHAR(255),
    text TEXT CONSTRAINT p2p_chat_text_length CHECK (text IS NULL OR char_length(text) BETWEEN 1 AND 2000),
    attachment_id BIGINT REFERENCES p2p_attachments (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    buyer_read_at TIMESTAMPTZ,
    seller_read_at TIMESTAMPTZ,
    CONSTRAINT p2p_chat_says_something CHECK (text IS NOT NULL OR attachment_id IS NOT NULL)
);
CREATE INDEX idx_p2p_chat_order ON p2p_chat_messages (order_id, id);

-- A user's notifications, newest first; read_at NULL while unread.
CREATE TABLE p2p_notifications (
    id BIGSERIAL PRIMARY KEY,
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    kind TEXT NOT NULL CONSTRAINT p2p_notifications_kind_known
        CHECK (kind IN ('order.created', 'order.paid', 'order.completed', 'order.cancelled', 'order.expired',
                        'dispute.opened', 'dispute.resolved', 'review.received', 'wallet.credited')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data JSONB NOT NULL DEFAULT '{}',
    read_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_p2p_notifications_profile ON p2p_notifications (profile_id, id DESC);
CREATE INDEX idx_p2p_notifications_unread ON p2p_notifications (profile_id, id) WHERE read_at IS NULL;

-- A merchant's endpoint for their own systems: every notification is POSTed there, signed
-- with the secret (HMAC-SHA256).
CREATE TABLE p2p_webhooks (
    profile_id BIGINT PRIMARY KEY REFERENCES p2p_profiles (id),
    url VARCHAR(2048) NOT NULL,
    secret VARCHAR(128) NOT NULL CONSTRAINT p2p_webhooks_secret_length CHECK (length(secret) BETWEEN 16 AND 128),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Email and webhook deliveries, written with the notification (same transaction) and
-- drained by trade-svc: one sender per row however many processes run (FOR UPDATE SKIP
-- LOCKED), retried with backoff until sent or given up. The payload is fixed when the row
-- is written, so a retry sends the same bytes (and the same Message-ID / delivery id).
CREATE TABLE p2p_outbox (
    id BIGSERIAL PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES p2p_notifications (id),
    channel TEXT NOT NULL CONSTRAINT p2p_outbox_channel_known CHECK (channel IN ('email', 'webhook')),
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    give_up_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    failed_at TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_p2p_outbox_due ON p2p_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX idx_p2p_outbox_notification ON p2p_outbox (notification_id);
