-- A purchase whose answer was lost (a server error or a timeout after the
-- request was sent) may have been carried out: it is logged 'unknown', and
-- counted as bought so that it is never sent again (commitments.StatusUnknown).
ALTER TABLE commitment_actions DROP CONSTRAINT commitment_actions_status_check,
    ADD CONSTRAINT commitment_actions_status_check CHECK (status IN ('ok', 'failed', 'declined', 'unknown'));
