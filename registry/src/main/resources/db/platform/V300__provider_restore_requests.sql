-- Point-in-time restores requested from a database provider (Supabase), one row per restore
-- operation, written before the request is sent. A retried step (its worker died after sending,
-- or the answer was lost) finds the row and never sends the request a second time: it waits for
-- the restore the provider shows instead, or fails saying that one was requested.
CREATE TABLE IF NOT EXISTS provider_restore_requests (
  operation_id text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  project_ref text NOT NULL,
  target_unix bigint NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON provider_restore_requests TO ${platform_role};
