-- What each tenant costs to run, measured: one row per tenant and day.
-- tenant_usage_daily: requests and connection time through the routers (each router adds what it
-- counted every 30 seconds, one upsert per tenant and day), rows and bytes of sell-out uploads.
CREATE TABLE tenant_usage_daily (
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day                 date NOT NULL,
    requests            bigint NOT NULL DEFAULT 0 CHECK (requests >= 0),
    connection_millis   bigint NOT NULL DEFAULT 0 CHECK (connection_millis >= 0),
    upload_rows         bigint NOT NULL DEFAULT 0 CHECK (upload_rows >= 0),
    upload_bytes        bigint NOT NULL DEFAULT 0 CHECK (upload_bytes >= 0),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);

-- tenant_size_samples: the size of the tenant's database (pg_database_size), taken by the cost
-- sampling workflow; a later sample of the same day replaces the earlier one.
CREATE TABLE tenant_size_samples (
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day                 date NOT NULL,
    database_bytes      bigint NOT NULL CHECK (database_bytes >= 0),
    sampled_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_usage_daily, tenant_size_samples TO ${platform_role};
