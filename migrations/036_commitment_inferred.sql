-- What Tally inferred of a commitment rather than read, and from what: a
-- FOCUS file from AWS names neither a Savings Plan's type nor any term, so
-- 'commitments sync billing' stores them as inferred from the discount the
-- commitment's usage shows (tally.Commitment.Inferred). '' when its source
-- said it all.
ALTER TABLE commitments ADD COLUMN inferred text NOT NULL DEFAULT '';
