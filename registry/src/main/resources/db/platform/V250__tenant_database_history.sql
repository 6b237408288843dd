-- Where each tenant's database lived when: one row per (server, name) a tenant's row pointed at,
-- from the moment it did. A restore to a time reads the database valid at that moment (a replace
-- restore or a move renames it, a move also changes its server). A trigger records every change,
-- whichever statement makes it; existing tenants start with their current placement from their
-- creation (earlier renames were not recorded).
CREATE TABLE IF NOT EXISTS tenant_database_history (
  tenant_id uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  valid_from timestamptz NOT NULL,
  database_server_id text,
  database_name text NOT NULL,
  PRIMARY KEY (tenant_id, valid_from)
);

GRANT SELECT, INSERT, UPDATE ON tenant_database_history TO ${platform_role};

CREATE OR REPLACE FUNCTION record_tenant_database() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.database_name IS NOT NULL
     AND (TG_OP = 'INSERT'
          OR NEW.database_name IS DISTINCT FROM OLD.database_name
          OR NEW.database_server_id IS DISTINCT FROM OLD.database_server_id) THEN
    INSERT INTO tenant_database_history (tenant_id, valid_from, database_server_id, database_name)
    VALUES (NEW.tenant_id, clock_timestamp(), NEW.database_server_id, NEW.database_name)
    ON CONFLICT (tenant_id, valid_from) DO UPDATE
      SET database_server_id = EXCLUDED.database_server_id,
          database_name = EXCLUDED.database_name;
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS tenants_database_history ON tenants;
CREATE TRIGGER tenants_database_history AFTER INSERT OR UPDATE OF database_name, database_server_id
  ON tenants FOR EACH ROW EXECUTE FUNCTION record_tenant_database();

INSERT INTO tenant_database_history (tenant_id, valid_from, database_server_id, database_name)
SELECT tenant_id, created_at, database_server_id, database_name
FROM tenants
WHERE database_name IS NOT NULL
ON CONFLICT DO NOTHING;
