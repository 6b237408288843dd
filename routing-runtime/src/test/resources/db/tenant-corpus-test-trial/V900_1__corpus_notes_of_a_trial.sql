-- Test-only trial counterpart of V900: the new table's rows belong to a trial.
ALTER TABLE corpus_notes
    ADD COLUMN tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid;
