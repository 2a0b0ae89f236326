-- Whether a commitment's start is an estimate (tally.Commitment.StartEstimated):
-- its source does not date its term (a GCP CUD, a FOCUS commitment
-- without term columns), so 'commitments sync billing' reckons its start
-- from its first charge in the stored bill, and its end a term later. The
-- bill's commitments of other providers than AWS never date their terms
-- (only a CUR does); an AWS one stored from the bill is marked by its next
-- sync.
ALTER TABLE commitments ADD COLUMN start_estimated boolean NOT NULL DEFAULT false;
UPDATE commitments SET start_estimated = true WHERE source = 'billing' AND provider <> 'aws';
