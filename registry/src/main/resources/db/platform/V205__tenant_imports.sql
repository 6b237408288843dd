-- Imports of a customer's data into a tenant (ImportTenantWorkflow): what the API staged for the
-- workflow, which carries only the import id. An uploaded file waits here encrypted with the key
-- ring (staged) until stage_input moves it into the backup store under a data key of its own
-- (object_key, data_key: wrapped by the key ring); a live source's connection string waits here
-- encrypted (source_url). discard_input clears all three once the import ends.
CREATE TABLE IF NOT EXISTS tenant_imports (
  tenant_id uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  import_id text NOT NULL CHECK (import_id ~ '^[a-z0-9]{1,12}$'),
  format text NOT NULL CHECK (format IN ('custom', 'plain', 'archive', 'csv', 'live')),
  workflow_id text NOT NULL,
  actor text,
  file_name text,
  size_bytes bigint,
  staged text,
  source_url text,
  object_key text,
  data_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  discarded_at timestamptz,
  PRIMARY KEY (tenant_id, import_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_imports TO ${platform_role};
