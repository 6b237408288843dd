-- Tenant exports: one row per portable archive of a tenant's data (a ZIP of pg_dump -Fc, one CSV per
-- table and a manifest), stored encrypted like a backup under a data key of its own (data_key, sealed
-- with the CredentialCipher, context 'backup:<export_id>:data_key'). The download link is a token
-- whose SHA-256 is token_hash (the token itself is never stored); it works until expires_at and once:
-- downloaded_at marks it used, and a fresh link (link_version + 1) clears it.
CREATE TABLE tenant_exports (
    export_id       uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id),
    status          text NOT NULL DEFAULT 'REQUESTED'
                        CHECK (status IN ('REQUESTED', 'RUNNING', 'READY', 'FAILED', 'DELETED')),
    requested_by    text NOT NULL,
    store           text,
    object_key      text,
    data_key        text,                      -- encrypted with CredentialCipher
    archive_bytes   bigint,                    -- size of the plain ZIP
    stored_bytes    bigint,                    -- size of the encrypted object
    sha256          text,                      -- hex digest of the plain ZIP
    manifest        jsonb,                     -- summary: schema version, rows per table
    token_hash      text,                      -- hex SHA-256 of the current download token
    link_version    integer NOT NULL DEFAULT 0,
    expires_at      timestamptz,
    downloaded_at   timestamptz,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX tenant_exports_tenant_created ON tenant_exports (tenant_id, created_at DESC);
CREATE UNIQUE INDEX tenant_exports_token ON tenant_exports (token_hash) WHERE token_hash IS NOT NULL;

GRANT SELECT, INSERT, UPDATE ON tenant_exports TO ${platform_role};
