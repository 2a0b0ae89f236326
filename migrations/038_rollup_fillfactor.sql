-- Room on each page of the daily rollups for heap-only (HOT) updates.
-- Attribution saves an hour by adding what it changes to its day's rows of
-- allocations_daily, allocations_owner_daily and stack_costs: tally serve
-- updates each row about once an hour, changing sums that no index holds.
-- On full pages an updated row moves to another page and gets a new entry
-- in every index of the table; with room on its page it stays there, and
-- the indexes are not touched. On the demo organization, one day
-- re-attributed hour by hour: 19% of the updates of allocations_daily and
-- 32% of allocations_owner_daily were HOT on full pages, 83% and 69% with
-- a fill factor of 70.
--
-- A partitioned table has no storage parameters of its own, so
-- tally_partitioned holds each table's fill factor and
-- tally_create_partitions gives it to every partition it creates.
ALTER TABLE tally_partitioned ADD COLUMN fillfactor integer CHECK (fillfactor BETWEEN 10 AND 100);
UPDATE tally_partitioned SET fillfactor = 70 WHERE parent IN ('allocations_daily', 'allocations_owner_daily', 'stack_costs');

CREATE OR REPLACE FUNCTION tally_create_partitions(p_parent text, p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    g       text;
    ff      integer;
    s       timestamptz;
    e       timestamptz;
    part    text;
    created integer := 0;
BEGIN
    SELECT grain, fillfactor INTO g, ff FROM tally_partitioned WHERE parent = p_parent;
    IF g IS NULL THEN
        RAISE EXCEPTION 'table % is not registered in tally_partitioned', p_parent;
    END IF;
    -- Serialize creators: two replicas racing on CREATE TABLE would collide in the catalog.
    PERFORM pg_advisory_xact_lock(hashtext('tally_create_partitions'));
    s := date_trunc(g, p_from, 'UTC');
    WHILE s < p_to LOOP
        e := s + ('1 ' || g)::interval;
        part := p_parent || '_p' || to_char(s AT TIME ZONE 'UTC',
                CASE g WHEN 'month' THEN 'YYYY_MM' ELSE 'YYYY_MM_DD' END);
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', part, p_parent)
                || CASE WHEN ff IS NULL THEN '' ELSE format(' WITH (fillfactor = %s)', ff) END;
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           p_parent, part, s, e);
            created := created + 1;
        END IF;
        s := e;
    END LOOP;
    RETURN created;
END
$$;

-- The partitions there already keep the room in the pages they write from
-- now on (the current month's, mostly); rewriting them is not needed.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.relname, p.fillfactor
        FROM tally_partitioned p
        JOIN pg_inherits i ON i.inhparent = to_regclass(p.parent)
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE p.fillfactor IS NOT NULL
    LOOP
        EXECUTE format('ALTER TABLE %I SET (fillfactor = %s)', r.relname, r.fillfactor);
    END LOOP;
END
$$;
