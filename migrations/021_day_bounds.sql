-- The UTC day a time falls in, as attribution runs: day by day, each day's
-- hours from that day's nodes, pods and bill lines. A node takes its
-- instance's bill lines in the hours of its days that no node of the
-- instance is alive in, so the hours a write of a node changes reach to
-- the bounds of its days (postgres.recordLifetimeWriteTx,
-- agentLifetimeChangesSQL).

-- tally_day_start is the start of the UTC day t falls in (infinity for
-- infinity).
CREATE FUNCTION tally_day_start(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_trunc('day', t, 'UTC');

-- tally_day_end is the end of the UTC day the instant just before t falls
-- in: the end of the last day a lifetime ending at t touches (t itself
-- when t is midnight; infinity for infinity).
CREATE FUNCTION tally_day_end(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_trunc('day', t - interval '1 microsecond', 'UTC') + interval '1 day';
