-- Failed admin sign-ins (wrong e-mail or password, attempts on a locked account), counted per hour,
-- e-mail, client address and reason. Unlike the append-only audit_log, which keeps the actions of
-- authenticated actors, this table is bounded: one row per key and hour, rows older than the
-- retention are deleted, and the oldest rows go first when it holds more than its cap.
CREATE TABLE failed_logins (
    hour            timestamptz NOT NULL,
    email           text NOT NULL CHECK (length(email) <= 254),
    client_address  text NOT NULL CHECK (length(client_address) <= 64),
    reason          text NOT NULL CHECK (length(reason) <= 32),
    attempts        integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
    first_at        timestamptz NOT NULL DEFAULT now(),
    last_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hour, email, client_address, reason)
);
CREATE INDEX failed_logins_last_at ON failed_logins (last_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON failed_logins TO ${platform_role};
