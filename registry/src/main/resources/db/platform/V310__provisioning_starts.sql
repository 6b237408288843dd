-- A new tenant's provisioning workflow, waiting to be started (a transactional outbox). The admin
-- API inserts the tenant's row (PROVISIONING) and this request in one statement, starts the
-- workflow and then deletes the request; a workflow that cannot be started releases the row
-- (FAILED) and deletes the request in one statement. A request left behind (the API killed between
-- the insert and the start, or the registry down when it released the row) is started by the
-- admin API's provisioning starter once it is older than a grace period, with the workflow id the
-- subdomain names: Temporal refuses a second start of a running id, and the starter first looks
-- for a workflow of that id whose memo names this tenant, so the workflow starts once. No secret:
-- the rest of the workflow's input is the tenant's row.
CREATE TABLE provisioning_starts (
    tenant_id            uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    requested_by         text NOT NULL,
    verification_timeout text NOT NULL,
    database_provider    text,
    tier                 text,
    inject_fault         text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    attempts             integer NOT NULL DEFAULT 0,
    last_error           text
);

GRANT SELECT, INSERT, UPDATE, DELETE ON provisioning_starts TO ${platform_role};
