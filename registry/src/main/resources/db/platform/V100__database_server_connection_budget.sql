-- The connection budget of a database server: how many connections all routing runtimes together
-- may hold open against it. Stored and shown here; the routers enforce it.
ALTER TABLE database_servers
    ADD COLUMN connection_budget integer NOT NULL DEFAULT 100 CHECK (connection_budget > 0);
