-- Benchmark-only tenant migration (never shipped): a nullable column and an index on a table with rows.
ALTER TABLE products ADD COLUMN bench_note text;
CREATE INDEX products_bench_note ON products (bench_note);
