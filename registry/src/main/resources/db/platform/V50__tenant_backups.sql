-- Per-tenant backups: one row per pg_dump taken of a tenant database. The dump is stored encrypted
-- (AES-256-GCM, chunked) under a data key of its own; data_key holds that key sealed with the
-- CredentialCipher (context 'backup:<backup_id>:data_key'), so a stored backup is unreadable
-- without the key ring. sha256 is the digest of the stored (encrypted) object: a restore checks it
-- before decrypting anything.
CREATE TABLE backups (
    backup_id           uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id),
    status              text NOT NULL DEFAULT 'RUNNING'
                            CHECK (status IN ('RUNNING', 'GOOD', 'FAILED', 'DELETED')),
    trigger             text NOT NULL DEFAULT 'manual'
                            CHECK (trigger IN ('manual', 'scheduled', 'offboarding')),
    store               text NOT NULL,            -- 'folder' or 's3'
    object_key          text NOT NULL,
    data_key            text NOT NULL,            -- encrypted with CredentialCipher
    sha256              text,                     -- hex digest of the stored object
    size_bytes          bigint,
    database_name       text,                     -- the database that was dumped
    schema_version      text,                     -- tenant Flyway version at backup time
    server_version      text,                     -- server_version of the tenant's server
    manifest            jsonb NOT NULL DEFAULT '{}'::jsonb, -- {"table": row count, ...}
    error               text,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    deleted_at          timestamptz
);
CREATE INDEX backups_tenant_started ON backups (tenant_id, started_at DESC);
CREATE INDEX backups_good ON backups (tenant_id, finished_at DESC) WHERE status = 'GOOD';

-- What a tenant is doing besides its lifecycle status (BACKING_UP, RESTORING, MOVING, ...): at most
-- one operation at a time; a second start is refused naming the first. writes_held marks the
-- short window in which the routers answer writes with 503 + Retry-After (the swap of a restore).
ALTER TABLE tenants
    ADD COLUMN operation            text CHECK (operation IN
                                        ('BACKING_UP', 'RESTORING', 'MOVING', 'PROMOTING', 'MIGRATING')),
    ADD COLUMN operation_id         text,
    ADD COLUMN operation_started_at timestamptz,
    ADD COLUMN writes_held          boolean NOT NULL DEFAULT false;

GRANT SELECT, INSERT, UPDATE ON backups TO ${platform_role};
