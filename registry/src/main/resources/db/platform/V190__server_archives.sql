-- The WAL archive (a pgBackRest repository) of a database server, for point-in-time recovery: where
-- its pgBackRest configuration lives, for the workers that take its base backups, and what the
-- newest base backup run found (the earliest moment a restore can reach). A server without a row
-- has no archive the platform knows of.
CREATE TABLE IF NOT EXISTS server_archives (
  server_id text PRIMARY KEY REFERENCES database_servers (id) ON DELETE CASCADE,
  config_file text NOT NULL,
  repository text NOT NULL,
  retention_days integer NOT NULL CHECK (retention_days >= 1),
  earliest_restorable_at timestamptz,
  last_backup_at timestamptz,
  last_backup_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON server_archives TO ${platform_role};
