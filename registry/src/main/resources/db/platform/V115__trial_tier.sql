-- The pooled trial tier: a tenant is 'dedicated' (a database of its own, every tenant so far) or a
-- 'trial' whose rows live in the one shared trial database of its server, tagged with its tenant id
-- and kept apart by row level security. A trial tenant's database_name names that shared database.
ALTER TABLE tenants
    ADD COLUMN tier text NOT NULL DEFAULT 'dedicated' CHECK (tier IN ('dedicated', 'trial'));

-- One shared trial database per server, created on first use. The app role's password is
-- ciphertext (CredentialCipher, bound to the server id); each trial tenant's row carries its own
-- encrypted copy of the connection details, as every tenant does.
CREATE TABLE trial_databases (
    server_id       text PRIMARY KEY REFERENCES database_servers (id),
    database_name   text NOT NULL,
    owner_role      text NOT NULL,
    app_role        text NOT NULL,
    app_password    text NOT NULL,
    ready           boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON trial_databases TO ${platform_role};
