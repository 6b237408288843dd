-- One row per tenant whose database create_database has begun. create_database holds the row's
-- lock while it works, so two attempts for one tenant run one after the other; the undo
-- (undo_create_database, also run by offboarding) waits for that lock and sets dropped_at, after
-- which create_database refuses: no late attempt can re-create a database its undo dropped.
CREATE TABLE tenant_database_fences (
    tenant_id           uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    dropped_at          timestamptz
);

GRANT SELECT, INSERT, UPDATE ON tenant_database_fences TO ${platform_role};
