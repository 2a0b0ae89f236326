-- Who made each token, so that deleting a user (or making an admin a viewer)
-- revokes the API tokens they made in the same transaction: created_by is the
-- user's email as it was, creator_id their users.user_id (not a foreign key:
-- the token keeps it after the user is deleted, and identities are never
-- reused). A token made with an API token has that token's creator. Both are
-- NULL for tokens made before this migration and from the command line.
-- A revoked token stays listed, with when and why (revoked_why), and is
-- refused; DELETE /api/v1/tokens/{id} and tally token revoke delete the row.
ALTER TABLE tokens
    ADD COLUMN created_by  text,
    ADD COLUMN creator_id  bigint,
    ADD COLUMN revoked_at  timestamptz,
    ADD COLUMN revoked_why text,
    ADD CHECK ((revoked_at IS NULL) = (revoked_why IS NULL));
CREATE INDEX tokens_creator ON tokens (creator_id) WHERE revoked_at IS NULL;
