-- Partition management. Time-series tables are declared PARTITION BY RANGE on a
-- timestamptz column and registered in tally_partitioned with their grain;
-- tally_create_partitions creates the missing partitions for a time range.
-- `tally serve` keeps partitions created ahead; ingest creates what it needs.

CREATE TABLE tally_partitioned (
    parent text PRIMARY KEY,
    grain  text NOT NULL CHECK (grain IN ('day', 'month'))
);

CREATE FUNCTION tally_create_partitions(p_parent text, p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    g       text;
    s       timestamptz;
    e       timestamptz;
    part    text;
    created integer := 0;
BEGIN
    SELECT grain INTO g FROM tally_partitioned WHERE parent = p_parent;
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
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           part, p_parent, s, e);
            created := created + 1;
        END IF;
        s := e;
    END LOOP;
    RETURN created;
END
$$;

-- tally_create_all_partitions covers every registered table.
CREATE FUNCTION tally_create_all_partitions(p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE sql AS $$
    SELECT coalesce(sum(tally_create_partitions(parent, p_from, p_to)), 0)::integer FROM tally_partitioned;
$$;
