-- tally_create_partitions creates each partition as a table of its own and
-- attaches it. CREATE TABLE … PARTITION OF takes an ACCESS EXCLUSIVE lock on
-- the parent until the transaction ends, so every reader of cost_lines,
-- allocations, … waited for the creator (and for anything the creator
-- waited for). ATTACH PARTITION only takes SHARE UPDATE EXCLUSIVE on the
-- parent, which readers and writers of the other partitions pass. The
-- table is created LIKE its parent with its indexes (so ATTACH attaches
-- them instead of building them) and its CHECK constraints (which ATTACH
-- requires). If the parent has a DEFAULT partition, ATTACH scans it under an
-- ACCESS EXCLUSIVE lock and fails if it holds rows of the new range, as
-- CREATE … PARTITION OF did.
CREATE OR REPLACE FUNCTION tally_create_partitions(p_parent text, p_from timestamptz, p_to timestamptz)
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
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', part, p_parent);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           p_parent, part, s, e);
            created := created + 1;
        END IF;
        s := e;
    END LOOP;
    RETURN created;
END
$$;
