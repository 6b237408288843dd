-- The shared trial database: the tenant schema (db/tenant V1) with every tenant table's rows tagged
-- by the trial's tenant id. The column defaults to the transaction's app.tenant_id, which the
-- routing runtime sets from the routed tenant, so the same INSERTs serve both tiers. Uniqueness and
-- references hold within one tenant: unique keys and foreign keys include tenant_id, so a row can
-- never point at another trial's row. Constraint names stay those of a dedicated database, so
-- ON CONFLICT ON CONSTRAINT works in both. The row level security that keeps trials apart is applied
-- by TrialSchema.applyIsolation after the per-user policies.

ALTER TABLE users                ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE products             ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE vendor_configs       ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE upload_batches       ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE sellout_entries2     ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE ecommerce_orders     ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
ALTER TABLE conversation_history ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;

-- References first (they depend on the keys below).
ALTER TABLE upload_batches       DROP CONSTRAINT upload_batches_uploaded_by_fkey;
ALTER TABLE upload_batches       DROP CONSTRAINT upload_batches_vendor_key_fkey;
ALTER TABLE sellout_entries2     DROP CONSTRAINT sellout_entries2_batch_id_fkey;
ALTER TABLE sellout_entries2     DROP CONSTRAINT sellout_entries2_uploaded_by_fkey;
ALTER TABLE sellout_entries2     DROP CONSTRAINT sellout_entries2_vendor_key_fkey;
ALTER TABLE sellout_entries2     DROP CONSTRAINT sellout_entries2_product_id_fkey;
ALTER TABLE ecommerce_orders     DROP CONSTRAINT ecommerce_orders_product_id_fkey;
ALTER TABLE conversation_history DROP CONSTRAINT conversation_history_user_id_fkey;

-- Unique within a tenant.
ALTER TABLE users          DROP CONSTRAINT users_email_key;
ALTER TABLE users          ADD CONSTRAINT users_email_key UNIQUE (tenant_id, email);
ALTER TABLE products       DROP CONSTRAINT products_sku_key;
ALTER TABLE products       ADD CONSTRAINT products_sku_key UNIQUE (tenant_id, sku);
ALTER TABLE vendor_configs DROP CONSTRAINT vendor_configs_pkey;
ALTER TABLE vendor_configs ADD CONSTRAINT vendor_configs_pkey PRIMARY KEY (tenant_id, vendor_key);
ALTER TABLE users          ADD CONSTRAINT users_tenant_id_key UNIQUE (tenant_id, id);
ALTER TABLE products       ADD CONSTRAINT products_tenant_id_key UNIQUE (tenant_id, id);
ALTER TABLE upload_batches ADD CONSTRAINT upload_batches_tenant_id_key UNIQUE (tenant_id, id);

ALTER TABLE upload_batches ADD CONSTRAINT upload_batches_uploaded_by_fkey
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id);
ALTER TABLE upload_batches ADD CONSTRAINT upload_batches_vendor_key_fkey
    FOREIGN KEY (tenant_id, vendor_key) REFERENCES vendor_configs (tenant_id, vendor_key);
ALTER TABLE sellout_entries2 ADD CONSTRAINT sellout_entries2_batch_id_fkey
    FOREIGN KEY (tenant_id, batch_id) REFERENCES upload_batches (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE sellout_entries2 ADD CONSTRAINT sellout_entries2_uploaded_by_fkey
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id);
ALTER TABLE sellout_entries2 ADD CONSTRAINT sellout_entries2_vendor_key_fkey
    FOREIGN KEY (tenant_id, vendor_key) REFERENCES vendor_configs (tenant_id, vendor_key);
ALTER TABLE sellout_entries2 ADD CONSTRAINT sellout_entries2_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE SET NULL (product_id);
ALTER TABLE ecommerce_orders ADD CONSTRAINT ecommerce_orders_product_id_fkey
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE SET NULL (product_id);
ALTER TABLE conversation_history ADD CONSTRAINT conversation_history_user_id_fkey
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE;

CREATE INDEX users_tenant ON users (tenant_id);
CREATE INDEX sellout_entries2_tenant ON sellout_entries2 (tenant_id);
CREATE INDEX ecommerce_orders_tenant ON ecommerce_orders (tenant_id);
CREATE INDEX conversation_history_tenant ON conversation_history (tenant_id);

-- Which trials the database holds, and the write fence of a promotion: a trial transaction takes
-- a shared advisory lock on its tenant and reads `frozen`; a promotion takes the lock exclusively
-- (waiting for running transactions), sets `frozen`, and from then on every trial transaction of
-- that tenant is read-only. A separate schema, so the tenant schema's protection pass leaves it be.
CREATE SCHEMA trial;
CREATE TABLE trial.tenants (
    tenant_id   uuid PRIMARY KEY,
    frozen      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
