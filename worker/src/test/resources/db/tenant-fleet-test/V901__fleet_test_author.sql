-- Test-only tenant migration (never shipped): a second, additive step.
ALTER TABLE fleet_test_notes ADD COLUMN author text;
