-- Which master key signed each tenant's latest verification link, and until when it works, so a key
-- rotation can tell whether an old key still signs a link in flight. Holds no token.
CREATE TABLE verification_links (
    tenant_id           uuid PRIMARY KEY,
    key_id              text NOT NULL,
    expires_at          timestamptz NOT NULL,
    issued_at           timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON verification_links TO ${platform_role};
