-- 003_admin_audit: the admin audit log. Every admin change (suspend, unsuspend, verify,
-- merchant status) writes one row here in the same transaction as the change itself
-- (admin-svc/admin_repo.c), so the log and the profiles can never disagree.
--
-- before/after hold only the fields the action changed, as JSON objects, e.g.
-- {"is_verified": false} -> {"is_verified": true}.

CREATE TABLE p2p_admin_audit (
    id BIGSERIAL PRIMARY KEY,
    -- Who acted: the admin's JWT user id (REST), or "cli:<name>" (the operator API).
    admin_user_id VARCHAR(255) NOT NULL,
    action TEXT NOT NULL
        CONSTRAINT p2p_admin_audit_action_known
        CHECK (action IN ('suspend', 'unsuspend', 'verify', 'unverify',
                          'grant_merchant', 'revoke_merchant')),
    profile_id BIGINT NOT NULL REFERENCES p2p_profiles (id),
    reason TEXT,
    before JSONB,
    after JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- The audit log of one profile, newest first.
CREATE INDEX idx_p2p_admin_audit_profile_created
    ON p2p_admin_audit (profile_id, created_at DESC);

-- The whole audit log, newest first.
CREATE INDEX idx_p2p_admin_audit_created
    ON p2p_admin_audit (created_at DESC);
