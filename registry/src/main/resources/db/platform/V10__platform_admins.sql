-- Platform administrators: who may use the admin API and portal.
-- The password is a BCrypt hash; the TOTP secret is ciphertext sealed with the CredentialCipher
-- (context 'platform_admin:<id>:totp'), so neither is readable from a database dump.
CREATE TABLE platform_admins (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    password_hash       text NOT NULL,
    totp_secret         text NOT NULL,
    failed_logins       integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until        timestamptz,
    -- The RFC 6238 time step of the last accepted one-time code: a code of this step or an
    -- earlier one is refused, so a code that logged in once cannot log in again.
    last_totp_step      bigint,
    last_login_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_admins_email ON platform_admins (email);

CREATE TRIGGER platform_admins_touch BEFORE UPDATE ON platform_admins
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

GRANT SELECT, INSERT, UPDATE ON platform_admins TO ${platform_role};
