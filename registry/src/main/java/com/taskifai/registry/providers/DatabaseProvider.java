package com.taskifai.registry.providers;

import java.util.Locale;

/** Where a tenant's database lives. */
public enum DatabaseProvider {
  /** A database on one of our own PostgreSQL servers ({@code database_servers}). */
  POSTGRES,
  /** A Supabase project of its own, created through the Supabase Management API. */
  SUPABASE;

  /** The value in the registry and the API: {@code postgres} or {@code supabase}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The provider named {@code value} (case-insensitive).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static DatabaseProvider parse(String value) {
    if (value != null) {
      for (DatabaseProvider p : values()) {
        if (p.value().equalsIgnoreCase(value.strip())) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException(
        "database provider must be 'postgres' or 'supabase', not '" + value + "'");
  }
}
