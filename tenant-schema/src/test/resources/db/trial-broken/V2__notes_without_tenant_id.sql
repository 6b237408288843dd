-- A deliberately broken tenant migration for the shared trial database: a table that holds tenant
-- rows but gets no tenant_id (no db/trial counterpart). Applying it to a trial database must fail
-- as a whole.
CREATE TABLE notes (
    id    bigserial PRIMARY KEY,
    body  text NOT NULL
);
INSERT INTO notes (body) VALUES ('written by the broken change');
