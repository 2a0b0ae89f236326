-- The span of the charge periods of each billing period's lines. A line's
-- charge period need not lie in its billing period: usage reported late and
-- credits for past usage are invoiced in a later month (GCP invoice.month),
-- corrections of past periods land in the current one (FOCUS), and fees may
-- be billed ahead. Readers that select lines by charge period (attribution,
-- reconciliation, daily costs, the weekly report) bound the partitions they
-- scan by these spans instead of a fixed lag, and an ingest marks the hours
-- of its periods' spans for re-attribution.
--
-- charge_span_start is the earliest charge_period_start, charge_span_end the
-- latest charge_period_end, an empty charge period (start = end) counting as
-- its start's microsecond. Ingest widens the span to cover each new version
-- of the period, never narrows it: the hours of a line a restatement removed
-- must be re-attributed too. NULL while the period has never held a line.
ALTER TABLE billing_periods
    ADD COLUMN charge_span_start timestamptz,
    ADD COLUMN charge_span_end   timestamptz;

UPDATE billing_periods p
SET charge_span_start = l.s, charge_span_end = l.e
FROM (
    SELECT billing_account_id, billing_period_start, source, min(charge_period_start) AS s,
           max(greatest(charge_period_end, charge_period_start + interval '1 microsecond')) AS e
    FROM cost_lines
    GROUP BY 1, 2, 3
) l
WHERE p.billing_account_id = l.billing_account_id AND p.billing_period_start = l.billing_period_start
  AND p.source = l.source;
