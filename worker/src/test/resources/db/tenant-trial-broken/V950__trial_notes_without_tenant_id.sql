-- Test-only, deliberately broken for the shared trial database (never shipped): a table of tenant
-- rows with no db/trial counterpart giving it a tenant_id. A rollout must fail it as a whole there.
CREATE TABLE trial_broken_notes (
    id    bigserial PRIMARY KEY,
    body  text NOT NULL
);
ALTER TABLE products ADD COLUMN trial_broken_flag text;
