-- Where a cluster's billing account came from. A cluster its agents
-- register takes the only billing account of its provider known then
-- ('provider'), a guess an organization with several payer accounts can
-- prove wrong: the first bill that bills one of its nodes' instances then
-- gives it that bill's account ('bill'), which stays. '' is an account set
-- as configured (tally demo, UpsertCluster), or none yet.
ALTER TABLE clusters ADD COLUMN billing_account_from text NOT NULL DEFAULT ''
    CHECK (billing_account_from IN ('', 'provider', 'bill'));
