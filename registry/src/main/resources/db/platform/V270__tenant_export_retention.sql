-- Retention of exports. An export is deleted (its encrypted object removed from the store, the row
-- marked DELETED with deleted_at) once its current link has expired and a grace period has passed
-- (TASKIFAI_EXPORT_RETENTION_GRACE); the customer's final copy taken at offboarding (final_copy) is
-- kept at least TASKIFAI_EXPORT_FINAL_RETENTION after it was written. The worker's hourly pass that
-- expires the backups of deleted tenants runs it.
ALTER TABLE tenant_exports ADD COLUMN final_copy boolean NOT NULL DEFAULT false;
ALTER TABLE tenant_exports ADD COLUMN deleted_at timestamptz;

-- Final exports recorded before this column: the offboarding request named them in its audit entry.
UPDATE tenant_exports e SET final_copy = true
 WHERE EXISTS (SELECT 1 FROM audit_log a
                WHERE a.tenant_id = e.tenant_id AND a.action = 'tenant.delete'
                  AND a.detail ->> 'final_export_id' = e.export_id::text);

CREATE INDEX tenant_exports_ready_expiry ON tenant_exports (expires_at) WHERE status = 'READY';
