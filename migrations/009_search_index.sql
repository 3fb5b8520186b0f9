-- 009_search_index: what profile-svc needs to keep its own index of the search listing
-- (profile-svc/profile_search_index.h) and bring it up to date with one cheap read per
-- request instead of re-reading a million profiles.
--
-- listing_xid is the transaction that last wrote a field the listing shows, filters or
-- sorts by (username, rating, completed trades, verified, merchant, consent, suspension),
-- or inserted the row. A worker remembers the oldest transaction still running when it last
-- read (pg_snapshot_xmin of that read's snapshot): every change it could not see then was
-- made by that transaction or a later one, so reading the rows with listing_xid >= that
-- mark catches all of them, whenever they commit. Rows are re-read while a transaction
-- older than them runs (a long-open transaction holds the mark back), never missed.
--
-- xid8 (64-bit, epoch included) so it never wraps. Existing rows get 0: older than any mark.

ALTER TABLE p2p_profiles ADD COLUMN listing_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE p2p_profiles ALTER COLUMN listing_xid SET DEFAULT pg_current_xact_id();

CREATE INDEX idx_p2p_profiles_listing_xid ON p2p_profiles (listing_xid);

-- Set by triggers, not trusted from the writer: a restored dump or a hand-written INSERT
-- that names listing_xid still gets its own transaction's id.
CREATE FUNCTION p2p_profiles_listing_xid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.listing_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;

CREATE TRIGGER p2p_profiles_listing_xid_insert
    BEFORE INSERT ON p2p_profiles
    FOR EACH ROW EXECUTE FUNCTION p2p_profiles_listing_xid();

-- Only a real change of a listed field: last_active_at, written every minute per active
-- user, and private fields leave the row alone (and its updates HOT).
CREATE TRIGGER p2p_profiles_listing_xid_update
    BEFORE UPDATE ON p2p_profiles
    FOR EACH ROW
    WHEN ((OLD.id, OLD.username, OLD.avg_rating, OLD.completed_trades, OLD.is_verified,
           OLD.is_merchant, OLD.has_consent, OLD.is_suspended, OLD.suspended_until)
          IS DISTINCT FROM
          (NEW.id, NEW.username, NEW.avg_rating, NEW.completed_trades, NEW.is_verified,
           NEW.is_merchant, NEW.has_consent, NEW.is_suspended, NEW.suspended_until))
    EXECUTE FUNCTION p2p_profiles_listing_xid();

-- A removed row leaves nothing to read, so removals are counted instead: a worker that
-- sees the count move rebuilds its index. The service never deletes profiles (maintenance
-- and tests do), so this is rare. One row; statement triggers, so a bulk delete counts
-- once, and a DELETE that removed nothing not at all.
CREATE TABLE p2p_profile_removals (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    removals BIGINT NOT NULL
);
INSERT INTO p2p_profile_removals (removals) VALUES (floor(random() * 1e15)::bigint);

CREATE FUNCTION p2p_profile_removals_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM removed) THEN
        UPDATE p2p_profile_removals SET removals = removals + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER p2p_profiles_removals_delete
    AFTER DELETE ON p2p_profiles
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION p2p_profile_removals_bump();

CREATE FUNCTION p2p_profile_removals_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE p2p_profile_removals SET removals = removals + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER p2p_profiles_removals_truncate
    AFTER TRUNCATE ON p2p_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION p2p_profile_removals_truncate();
