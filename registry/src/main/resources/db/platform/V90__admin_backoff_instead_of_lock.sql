-- Admin accounts are no longer locked after failed logins: failures are slowed down per account and
-- client address by an in-memory exponential back-off, so nobody can keep an admin locked out from
-- elsewhere. The lock's counter and deadline are gone.
ALTER TABLE platform_admins DROP COLUMN failed_logins, DROP COLUMN locked_until;
