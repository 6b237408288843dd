-- Request latency per tenant and day, as histogram buckets the routers add to (the spec's
-- per-tenant "query performance"): latency_buckets[i] counts the requests that took at most
-- TenantUsage.LATENCY_BOUNDS_MS[i] and more than the bound before it; the last element counts
-- those over the last bound. Empty until a router that counts it writes.
ALTER TABLE tenant_usage_daily ADD COLUMN latency_buckets bigint[] NOT NULL DEFAULT '{}';
