package com.taskifai.registry;

import com.taskifai.registry.providers.DatabaseProvider;

/**
 * Where a tenant's rows live, as far as its operations care: a database of its own on one of our
 * servers, its rows in the shared trial database of a server, or a Supabase project of its own.
 */
public enum TenantKind {
  /** A database of its own on one of our PostgreSQL servers. */
  DEDICATED,
  /** Rows in its server's shared trial database, beside every other trial's. */
  TRIAL,
  /** A Supabase project of its own. */
  SUPABASE;

  /** The kind of {@code tenant}, whose database provider is {@code provider}. */
  public static TenantKind of(Tenant tenant, DatabaseProvider provider) {
    if (tenant.isTrial()) {
      return TRIAL;
    }
    return provider == DatabaseProvider.SUPABASE ? SUPABASE : DEDICATED;
  }

  /** The name in the API and the docs: dedicated, trial or supabase. */
  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
