-- login_failures counts the password sign-in attempts of client addresses
-- (web.LoginsPerAddress) as well as of emails, each under its key's
-- SHA-256 (web.emailKey, web.addressKey: an address's is hashed apart from
-- every email's), so email_hash is named for what it holds: key_hash. Its
-- length check is renamed alike. A rename keeps every count stored; the
-- table stays a local table of the coordinator under Citus.
ALTER TABLE login_failures RENAME COLUMN email_hash TO key_hash;
ALTER TABLE login_failures RENAME CONSTRAINT login_failures_email_hash_check TO login_failures_key_hash_check;
