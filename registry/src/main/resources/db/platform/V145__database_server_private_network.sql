-- A database server an operator registered as on a private network on purpose: production then
-- accepts its URL without sslmode=verify-full (the server's TLS settings are its URL's sslmode and
-- sslrootcert parameters). Every other server on another host needs verify-full in production.
ALTER TABLE database_servers ADD COLUMN IF NOT EXISTS private_network boolean NOT NULL DEFAULT false;
