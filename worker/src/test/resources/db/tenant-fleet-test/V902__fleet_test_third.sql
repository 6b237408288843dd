-- Test-only tenant migration (never shipped): a third additive step.
ALTER TABLE fleet_test_notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;
