-- Sign-in rate limits and back-offs, shared by every router and admin API process and kept across
-- restarts (SignInCounters). Keys are SHA-256 digests of what they count (a client address, a
-- tenant, an account and address), so typed e-mails are not stored here. Rows idle longer than
-- their window are deleted now and then; a missing row means a full allowance and no failures.
CREATE TABLE sign_in_buckets (
    key          text PRIMARY KEY CHECK (length(key) <= 64),
    tokens       double precision NOT NULL,
    refilled_at  timestamptz NOT NULL,
    consumed     boolean NOT NULL
);
CREATE INDEX sign_in_buckets_refilled_at ON sign_in_buckets (refilled_at);

CREATE TABLE sign_in_backoffs (
    key          text PRIMARY KEY CHECK (length(key) <= 64),
    failures     integer NOT NULL CHECK (failures >= 0),
    not_before   timestamptz,
    touched_at   timestamptz NOT NULL
);
CREATE INDEX sign_in_backoffs_touched_at ON sign_in_backoffs (touched_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_buckets, sign_in_backoffs TO ${platform_role};
