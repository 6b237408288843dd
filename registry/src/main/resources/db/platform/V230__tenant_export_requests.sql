-- Who asked for an export: 'platform' (the admin API, which starts its workflow at once, or an
-- offboarding, which runs it as its child) or 'tenant' (the tenant's own admin on the routed API,
-- POST /api/export). The routing runtime has no Temporal client: it records a 'tenant' request, and
-- the worker starts the export workflow of every REQUESTED 'tenant' row (the workflow id is the
-- business key, so a second start of the same export is refused by Temporal and changes nothing).
ALTER TABLE tenant_exports
    ADD COLUMN requested_via text NOT NULL DEFAULT 'platform'
        CHECK (requested_via IN ('platform', 'tenant'));
CREATE INDEX tenant_exports_tenant_requests ON tenant_exports (created_at)
    WHERE status = 'REQUESTED' AND requested_via = 'tenant';
