-- Fleet schema migrations: the tenant schema version each tenant database is at, the rollouts that
-- bring the fleet to a version, and one result row per tenant and rollout.

-- The Flyway version of the tenant database (the newest successful migration), written by
-- provisioning (migrate_schema) and by every rollout; NULL until first recorded.
ALTER TABLE tenants ADD COLUMN schema_version text;

CREATE TABLE fleet_migrations (
    migration_id        text PRIMARY KEY CHECK (migration_id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    target_version      text,                     -- NULL until resolved (the newest shipped)
    state               text NOT NULL DEFAULT 'RUNNING' CHECK (state IN (
                            'RUNNING', 'PAUSED', 'COMPLETED', 'ABORTED', 'FAILED')),
    phase               text NOT NULL DEFAULT 'TEMPLATES' CHECK (phase IN (
                            'TEMPLATES', 'CANARIES', 'FLEET', 'DONE')),
    reason              text,                     -- why it paused, failed or was aborted
    requested_by        text NOT NULL,
    options             jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);
CREATE INDEX fleet_migrations_created ON fleet_migrations (created_at);
CREATE TRIGGER fleet_migrations_touch BEFORE UPDATE ON fleet_migrations
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE fleet_migration_tenants (
    migration_id        text NOT NULL REFERENCES fleet_migrations (migration_id),
    tenant_id           uuid NOT NULL,
    canary              boolean NOT NULL DEFAULT false,
    state               text NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED', 'SKIPPED')),
    from_version        text,
    to_version          text,
    applied             integer NOT NULL DEFAULT 0,  -- migrations Flyway applied
    error               text,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    PRIMARY KEY (migration_id, tenant_id)
);
CREATE INDEX fleet_migration_tenants_state ON fleet_migration_tenants (migration_id, state);

GRANT SELECT, INSERT, UPDATE ON fleet_migrations TO ${platform_role};
GRANT SELECT, INSERT, UPDATE ON fleet_migration_tenants TO ${platform_role};
