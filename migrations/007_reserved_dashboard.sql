-- Placeholder for the dashboard's migration 007, so 008 applies on branches
-- without it (tern wants numbers without gaps). Delete at merge.
SELECT 1;
