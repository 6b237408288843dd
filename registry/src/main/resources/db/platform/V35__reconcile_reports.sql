-- The fleet reconciler's reports: what it found on the database servers, in DNS and among the
-- staged secrets that the registry does not account for, and tenants whose workflow is gone.
-- Names and ids only, never a secret. The newest report is what the portal lists and the
-- orphan gauge counts; older ones are pruned by the platform.
CREATE TABLE reconcile_reports (
    id                  bigserial PRIMARY KEY,
    workflow_id         text NOT NULL,
    actor               text NOT NULL,
    finished_at         timestamptz NOT NULL DEFAULT now(),
    -- [{"kind": "database", "name": "tenant_…", "serverId": "local-1", "tenantId": "…",
    --   "reason": "…"}, …]
    orphans             jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(orphans) = 'array'),
    -- Servers or providers the run could not read, as short messages.
    problems            jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(problems) = 'array')
);
CREATE INDEX reconcile_reports_finished ON reconcile_reports (finished_at DESC, id DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON reconcile_reports TO ${platform_role};
GRANT USAGE ON SEQUENCE reconcile_reports_id_seq TO ${platform_role};
