-- The platform database: the tenant registry, the database servers that hold tenant databases,
-- the append-only audit log and the records of the local DNS provider.
-- Runs as the database owner; ${platform_role} is the non-superuser role the platform runs as.

CREATE TABLE database_servers (
    id                  text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    region              text NOT NULL,
    jdbc_url            text NOT NULL,
    admin_username      text NOT NULL,
    admin_password      text NOT NULL,            -- encrypted with CredentialCipher
    capacity            integer NOT NULL CHECK (capacity >= 0),
    state               text NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'DRAINING', 'CLOSED')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenants (
    tenant_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subdomain           varchar(50) NOT NULL,
    company_name        varchar(255) NOT NULL,
    database_url        text,                     -- encrypted; null until store_credentials
    database_key        text,                     -- encrypted; null until store_credentials
    is_active           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    suspended_at        timestamptz,
    metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
    status              text NOT NULL DEFAULT 'PROVISIONING' CHECK (status IN (
                            'PROVISIONING', 'AWAITING_VERIFICATION', 'ACTIVE', 'SUSPENDED',
                            'FAILED', 'ROLLBACK_FAILED', 'DELETING', 'DELETED')),
    admin_email         text NOT NULL,
    region              text NOT NULL DEFAULT 'local',
    database_server_id  text REFERENCES database_servers (id),
    database_name       text,
    verified_at         timestamptz,
    activated_at        timestamptz,
    deleted_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT active_only_when_active CHECK (NOT is_active OR status = 'ACTIVE')
);

-- A subdomain belongs to at most one tenant that is not FAILED or DELETED; a failed or deleted
-- tenant frees its subdomain for a new request.
CREATE UNIQUE INDEX tenants_live_subdomain ON tenants (subdomain) WHERE status NOT IN ('FAILED', 'DELETED');
CREATE INDEX idx_tenants_subdomain ON tenants (subdomain);
CREATE INDEX tenants_status ON tenants (status);

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER tenants_touch BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER database_servers_touch BEFORE UPDATE ON database_servers
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Every change of a tenant row tells the routing runtimes at once; a trigger, so no code path can forget it.
CREATE FUNCTION notify_tenant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tenant_changed', OLD.tenant_id::text);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('tenant_changed', NEW.tenant_id::text);
    RETURN NEW;
END $$;

CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();

CREATE TABLE audit_log (
    id                  bigserial PRIMARY KEY,
    tenant_id           uuid,
    actor               text NOT NULL,
    action              text NOT NULL,
    step                text,
    outcome             text NOT NULL,
    detail              jsonb NOT NULL DEFAULT '{}'::jsonb,
    at                  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only even for roles that own the table: rows can be added, never changed or removed.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE dns_records (
    name                text PRIMARY KEY,
    record_type         text NOT NULL CHECK (record_type IN ('A', 'AAAA', 'CNAME')),
    value               text NOT NULL,
    ttl                 integer NOT NULL CHECK (ttl > 0),
    tenant_id           uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER dns_records_touch BEFORE UPDATE ON dns_records
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Secrets that one provisioning step hands to a later one without passing them through Temporal
-- (for example the app role's password between create_database and store_credentials, or the
-- one-time set-password token between create_admin_user and send_welcome_email). Ciphertext only,
-- bound to the tenant id and name; deleted once used.
CREATE TABLE tenant_secrets (
    tenant_id           uuid NOT NULL,
    name                text NOT NULL,
    ciphertext          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- The platform role: reads and writes the registry, only appends to the audit log.
GRANT USAGE ON SCHEMA ${flyway:defaultSchema} TO ${platform_role};
GRANT SELECT, INSERT, UPDATE ON tenants TO ${platform_role};
GRANT SELECT, INSERT, UPDATE ON database_servers TO ${platform_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON dns_records TO ${platform_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_secrets TO ${platform_role};
GRANT SELECT, INSERT ON audit_log TO ${platform_role};
GRANT USAGE ON SEQUENCE audit_log_id_seq TO ${platform_role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${platform_role};
