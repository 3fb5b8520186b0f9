-- 008_change_versions: a version of each table that public listings show, so a worker may
-- keep recent answers (profile.search, ad.list) and know, with one cheap read, whether they
-- still hold (common/answer_cache.h).
--
-- A table's version is the sum of its column in p2p_change_versions (16 rows). Every
-- transaction that changes a watched row adds one to its table's column in the row of its
-- own transaction id, at commit, so the sum grows with every such commit and nothing else. For p2p_profiles
-- only the fields a listing shows, sorts or filters by count (public fields, suspension,
-- consent); last_active_at is not among them: it is written in batches a minute apart, and
-- a kept answer is at most seconds old.
--
-- Why this shape:
-- - Counted in the writer's own transaction: a reader that reads version V and then
--   queries sees every change counted in V; a change that commits later moves the sum past
--   V, so an answer stored under V is never served after it. (NOTIFY would also work, but
--   it takes one lock for every notifying commit in the cluster and arrives asynchronously.)
-- - Deferred to commit (constraint triggers), so the counter's row lock is the last lock a
--   transaction takes and is held only while it commits: it cannot be part of a deadlock.
-- - 16 rows, one per transaction by its id, so concurrent commits rarely wait for each
--   other; one row would queue every such commit behind the one before.
-- - Once per transaction and table, however many rows changed (a transaction-local flag:
--   set_config's third argument; a rolled-back subtransaction undoes it together with its
--   trigger events). A bulk insert of a million profiles would otherwise update the counter
--   a million times, each walking the row's chain of versions so far.
-- - Random starting values: a recreated database does not count up to a version that a
--   running worker still holds answers for.

-- Each row on a page of its own (the padding and the fill factor): sixteen rows on one page
-- would make every committing writer and every reading worker wait on that one page, and
-- its dead row versions (one per commit) could not be pruned while readers keep it pinned.
-- Vacuumed often: it is tiny and changes with every watched commit.
CREATE TABLE p2p_change_versions (
    shard SMALLINT PRIMARY KEY,
    profiles BIGINT NOT NULL,
    ads BIGINT NOT NULL,
    prices BIGINT NOT NULL,
    payment_methods BIGINT NOT NULL,
    assets BIGINT NOT NULL,
    fiat_currencies BIGINT NOT NULL,
    pad CHAR(1000) NOT NULL DEFAULT ''
) WITH (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);

INSERT INTO p2p_change_versions (shard, profiles, ads, prices, payment_methods, assets, fiat_currencies)
SELECT s, floor(random() * 1e15)::bigint, floor(random() * 1e15)::bigint,
       floor(random() * 1e15)::bigint, floor(random() * 1e15)::bigint,
       floor(random() * 1e15)::bigint, floor(random() * 1e15)::bigint
FROM generate_series(0, 15) AS s;

-- One row per shard holds every table's counter, so a transaction that changes several
-- watched tables (an order: its ad and both profiles) still locks one counter row: with a
-- row per table, two such transactions could take the same two rows in opposite orders.
-- The UPDATE is written out here, not in an SQL function (which would be planned again on
-- every call): PL/pgSQL keeps its plan. Row triggers (deferred, below) and the TRUNCATE
-- statement triggers all run this one function.
CREATE FUNCTION p2p_change_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    xact text := pg_current_xact_id()::text;
    flag text := 'p2p.changed_' || TG_TABLE_NAME;
BEGIN
    IF current_setting(flag, true) IS DISTINCT FROM xact THEN
        UPDATE p2p_change_versions SET
            profiles = profiles + (TG_TABLE_NAME = 'p2p_profiles')::int,
            ads = ads + (TG_TABLE_NAME = 'p2p_ads')::int,
            prices = prices + (TG_TABLE_NAME = 'p2p_prices')::int,
            payment_methods = payment_methods + (TG_TABLE_NAME = 'p2p_payment_methods')::int,
            assets = assets + (TG_TABLE_NAME = 'p2p_assets')::int,
            fiat_currencies = fiat_currencies + (TG_TABLE_NAME = 'p2p_fiat_currencies')::int
        WHERE shard = (xact::bigint % 16);
        PERFORM set_config(flag, xact, true);
    END IF;
    RETURN NULL;
END
$$;

-- TRUNCATE fires no row triggers, so a statement trigger runs the same function. It is not
-- deferred (a statement trigger cannot be), so it takes its counter row in the middle of
-- the transaction: a TRUNCATE of a watched table (tests, maintenance by hand) may wait for
-- or, rarely, deadlock with a committing writer; PostgreSQL then aborts one of them. The
-- service never truncates.

-- p2p_profiles: a new or deleted profile, or a real change of what a listing shows or
-- selects by (an update that rewrites a field with its own value, or changes a private
-- field or last_active_at, queues nothing).
CREATE CONSTRAINT TRIGGER p2p_profiles_changed_rows
    AFTER INSERT OR DELETE ON p2p_profiles
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION p2p_change_bump();

CREATE CONSTRAINT TRIGGER p2p_profiles_changed_fields
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
    EXECUTE FUNCTION p2p_change_bump();

CREATE TRIGGER p2p_profiles_changed_truncate
    AFTER TRUNCATE ON p2p_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION p2p_change_bump();

-- The tables ad.list reads: every real change of a row counts.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['p2p_ads', 'p2p_prices', 'p2p_payment_methods', 'p2p_assets',
                             'p2p_fiat_currencies'] LOOP
        EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR DELETE ON %I '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                       'EXECUTE FUNCTION p2p_change_bump()', t || '_changed_rows', t);
        EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER UPDATE ON %I '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
                       'WHEN (OLD.* IS DISTINCT FROM NEW.*) '
                       'EXECUTE FUNCTION p2p_change_bump()', t || '_changed_fields', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION p2p_change_bump()',
                       t || '_changed_truncate', t);
    END LOOP;
END
$$;

-- A suspension that ends makes its profile listable again (and its ads) without any
-- write: a kept answer holds only until the next end, which this index finds at once.
CREATE INDEX idx_p2p_profiles_suspension_ends
    ON p2p_profiles (suspended_until)
    WHERE is_suspended AND suspended_until IS NOT NULL;
