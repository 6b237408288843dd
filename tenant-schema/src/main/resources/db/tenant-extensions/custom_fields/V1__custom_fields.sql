-- Schema extension "custom_fields": tenant-defined attributes on products, as typed values.
-- Enabled per tenant (POST /admin/tenants/{id}/extensions); row level security and grants are
-- applied after it like for the base tables.
CREATE TABLE custom_field_definitions (
    id          bigserial PRIMARY KEY,
    field_key   varchar(64) NOT NULL UNIQUE CHECK (field_key ~ '^[a-z][a-z0-9_]*$'),
    label       varchar(255) NOT NULL,
    field_type  text NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'boolean')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE custom_field_values (
    definition_id   bigint NOT NULL REFERENCES custom_field_definitions (id) ON DELETE CASCADE,
    product_id      uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    value           text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (definition_id, product_id)
);
