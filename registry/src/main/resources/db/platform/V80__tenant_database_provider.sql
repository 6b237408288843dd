-- Which provider holds a tenant's database: our own PostgreSQL servers ('postgres', every tenant so
-- far) or a Supabase project per tenant ('supabase'). For a Supabase tenant the registry also keeps
-- the project reference, the JDBC URL and user name of the tenant database
-- through the project's pooler (no password) and the project's service_role
-- key (encrypted with CredentialCipher, bound to the tenant id).
ALTER TABLE tenants
    ADD COLUMN database_provider     text NOT NULL DEFAULT 'postgres'
        CHECK (database_provider IN ('postgres', 'supabase')),
    ADD COLUMN provider_project_ref  text,
    ADD COLUMN provider_pooler_url   text,
    ADD COLUMN provider_pooler_user  text,
    ADD COLUMN provider_service_key  text;
