-- The usage accounts (cost_lines.sub_account_id: AWS usage account, GCP
-- project, FOCUS SubAccountId) each billing period's lines bill. Ingest
-- refuses to store a period of an account and month that another source
-- already holds charges of the same usage accounts of (the same bill
-- through CUR 2.0 and a FOCUS export would count twice, since attribution
-- and every total add the sources up), unless told to replace that
-- source's charges (tally ingest --replace-source). Two sources of one
-- account and month that bill different usage accounts (a payer's CUR
-- filtered to its own account, a member account's FOCUS export of its
-- own) are both kept. Set by ingest in the transaction that replaces the
-- period; sorted, '' for lines without one.
ALTER TABLE billing_periods ADD COLUMN sub_accounts text[] NOT NULL DEFAULT '{}';

UPDATE billing_periods p SET sub_accounts = l.subs
FROM (
    SELECT billing_account_id, billing_period_start, source, array_agg(DISTINCT sub_account_id ORDER BY sub_account_id) AS subs
    FROM cost_lines
    GROUP BY 1, 2, 3
) l
WHERE p.billing_account_id = l.billing_account_id AND p.billing_period_start = l.billing_period_start
  AND p.source = l.source;
