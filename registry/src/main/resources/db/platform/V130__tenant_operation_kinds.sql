-- Every operation that changes what or where a tenant's data is holds the tenant through the one
-- claim (tenants.operation); the values are TenantOperationKind's names. Extension enable,
-- offboarding, the admin invite and key rotation join the earlier five.
ALTER TABLE tenants DROP CONSTRAINT IF EXISTS tenants_operation_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_operation_check CHECK (operation IN
    ('BACKING_UP', 'RESTORING', 'MOVING', 'PROMOTING', 'MIGRATING', 'ENABLING_EXTENSION',
     'OFFBOARDING', 'INVITING_ADMIN', 'ROTATING_KEYS'));
