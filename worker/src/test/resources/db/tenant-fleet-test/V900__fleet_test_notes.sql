-- Test-only tenant migration (never shipped): a new table and an additive column with an index.
CREATE TABLE fleet_test_notes (
    id          bigserial PRIMARY KEY,
    note        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE products ADD COLUMN fleet_test_flag text;
CREATE INDEX products_fleet_test_flag ON products (fleet_test_flag);
