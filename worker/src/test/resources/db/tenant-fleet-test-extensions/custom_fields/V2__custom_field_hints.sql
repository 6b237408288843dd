-- Test-only second step of the custom_fields extension (never shipped).
ALTER TABLE custom_field_definitions ADD COLUMN hint text;
CREATE TABLE custom_field_hint_log (
    id      bigserial PRIMARY KEY,
    note    text NOT NULL
);
