-- A later tenant schema version for ImportActivitiesTest: an import of a version 1 dump is migrated
-- up to it.
ALTER TABLE products ADD COLUMN IF NOT EXISTS import_note text;
