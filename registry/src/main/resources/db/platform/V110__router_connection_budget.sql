-- The connection budget of a database server, held across all routing runtimes together.
-- connection_budget: the most tenant connections all routers together may hold on the server
-- (NULL: no budget; each router's own global cap still applies). Guarded, because the server
-- administration adds the same column.
ALTER TABLE database_servers ADD COLUMN IF NOT EXISTS connection_budget integer;

-- One row per routing runtime and budgeted server: the connection slots that router claims. The
-- claims of one server never add up to more than its budget (routers change them only under one
-- advisory lock); a router that stops renewing (heartbeat_at) loses its claim after the lease.
CREATE TABLE router_budget_claims (
    server_id           text NOT NULL REFERENCES database_servers (id) ON DELETE CASCADE,
    router_id           uuid NOT NULL,
    slots               integer NOT NULL CHECK (slots >= 0),
    heartbeat_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (server_id, router_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON router_budget_claims TO ${platform_role};
