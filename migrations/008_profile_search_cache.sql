-- 008_profile_search_cache: a version of everything profile.search can show, so profile-svc
-- may keep recent result pages and know, with one cheap read, whether they still hold
-- (profile-svc/profile_search_cache.h).
--
-- The version is the sum of 16 counters. Every transaction that changes a profile as search
-- sees it (a field search shows, sorts or filters by, a suspension, consent, a new or deleted
-- profile) adds one to the counter of its own transaction id at commit, so the sum grows with
-- every such commit and with nothing else. last_active_at is not part of it: it is already
-- written in batches a minute apart, and a cached page is at most seconds old.
--
-- Why this shape:
-- - Deferred to commit (constraint triggers), so the counter's row lock is the last lock a
--   transaction takes and is held only while it commits: it cannot be part of a deadlock.
-- - 16 counters, one per transaction by its id, so concurrent commits rarely wait for each
--   other; one counter would queue every profile-changing commit behind the one before.
-- - Counted in the writer's own transaction: a reader that reads version V and then
--   searches sees every change counted in V; a change that commits later moves the sum past
--   V, so a page stored under V is never served after it. (NOTIFY would also work but takes
--   one lock for every notifying commit in the cluster, and arrives asynchronously.)
-- - Random starting values: a recreated database does not count up to a version that a
--   running worker still holds pages for.

CREATE TABLE p2p_profile_search_versions (
    shard SMALLINT PRIMARY KEY,
    version BIGINT NOT NULL
);

INSERT INTO p2p_profile_search_versions (shard, version)
SELECT s, floor(random() * 1e15)::bigint FROM generate_series(0, 15) AS s;

-- Once per transaction, however many rows it changed: a bulk insert of a million profiles
-- would otherwise update the counter a million times, each walking the row's chain of
-- versions so far (quadratic). The flag is transaction-local (set_config's third argument)
-- and undone with a rolled-back subtransaction, as are that subtransaction's trigger events.
CREATE FUNCTION p2p_profile_search_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    xact text := pg_current_xact_id()::text;
BEGIN
    IF current_setting('p2p.profile_search_bumped', true) IS DISTINCT FROM xact THEN
        UPDATE p2p_profile_search_versions SET version = version + 1
        WHERE shard = (xact::bigint % 16);
        PERFORM set_config('p2p.profile_search_bumped', xact, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER p2p_profiles_search_insert_delete
    AFTER INSERT OR DELETE ON p2p_profiles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION p2p_profile_search_bump();

-- Only a real change of what search shows or selects by: an update that rewrites a field
-- with its own value, or changes a private field, leaves cached pages alone.
CREATE CONSTRAINT TRIGGER p2p_profiles_search_update
    AFTER UPDATE ON p2p_profiles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN ((OLD.id, OLD.user_id, OLD.username, OLD.profile_picture_url, OLD.total_trades,
           OLD.completed_trades, OLD.cancelled_trades, OLD.avg_rating, OLD.total_reviews,
           OLD.is_verified, OLD.is_merchant, OLD.is_suspended, OLD.suspended_until,
           OLD.has_consent, OLD.preferred_currency, OLD.auto_reply_message, OLD.joined_at,
           OLD.created_at)
          IS DISTINCT FROM
          (NEW.id, NEW.user_id, NEW.username, NEW.profile_picture_url, NEW.total_trades,
           NEW.completed_trades, NEW.cancelled_trades, NEW.avg_rating, NEW.total_reviews,
           NEW.is_verified, NEW.is_merchant, NEW.is_suspended, NEW.suspended_until,
           NEW.has_consent, NEW.preferred_currency, NEW.auto_reply_message, NEW.joined_at,
           NEW.created_at))
    EXECUTE FUNCTION p2p_profile_search_bump();

-- TRUNCATE fires no row triggers.
CREATE FUNCTION p2p_profile_search_bump_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE p2p_profile_search_versions SET version = version + 1 WHERE shard = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER p2p_profiles_search_truncate
    AFTER TRUNCATE ON p2p_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION p2p_profile_search_bump_all();

-- A suspension that ends makes its profile listable again without any write: a cached page
-- holds only until the next end, which this index finds at once.
CREATE INDEX idx_p2p_profiles_suspension_ends
    ON p2p_profiles (suspended_until)
    WHERE is_suspended AND suspended_until IS NOT NULL;
