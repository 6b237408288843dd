-- Test-only trial counterpart of V900 (never shipped): in the shared trial database the new table's
-- rows belong to a trial, like every tenant table's (db/trial V1_1).
ALTER TABLE fleet_test_notes
    ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
CREATE INDEX fleet_test_notes_tenant ON fleet_test_notes (tenant_id);
