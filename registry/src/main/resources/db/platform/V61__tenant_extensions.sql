-- Per-tenant schema extensions: named migration sets shipped under db/tenant-extensions/<name>,
-- enabled per tenant, applied after the base migrations and kept applied by every rollout.
CREATE TABLE tenant_extensions (
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id),
    name                text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    version             text,                     -- NULL until first applied
    enabled_by          text NOT NULL,
    enabled_at          timestamptz NOT NULL DEFAULT now(),
    applied_at          timestamptz,
    PRIMARY KEY (tenant_id, name)
);

GRANT SELECT, INSERT, UPDATE ON tenant_extensions TO ${platform_role};
