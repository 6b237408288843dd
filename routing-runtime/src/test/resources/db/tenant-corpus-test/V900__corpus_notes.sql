-- Test-only tenant migration (never shipped): the schema change a rollout brings to the shared trial
-- database before the isolation corpus runs.
CREATE TABLE corpus_notes (
    id    bigserial PRIMARY KEY,
    note  text NOT NULL
);
ALTER TABLE products ADD COLUMN corpus_flag text;
