package com.taskifai.activities.database;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of a tenant's database objects on its server, all derived from the tenant id so that a
 * retried step finds what an earlier attempt made: owner role {@code t_<12 hex>_owner} (NOLOGIN),
 * app role {@code t_<12 hex>_app} (LOGIN) and database {@code tenant_<32 hex>}.
 */
public record TenantDatabaseNames(String ownerRole, String appRole, String database) {
  private static final Pattern POSTGRES_URL =
      Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?$");

  /** The names of one tenant. */
  public static TenantDatabaseNames of(UUID tenantId) {
    String hex = tenantId.toString().replace("-", "");
    String prefix = "t_" + hex.substring(0, 12);
    return new TenantDatabaseNames(prefix + "_owner", prefix + "_app", "tenant_" + hex);
  }

  /**
   * The JDBC URL of {@code database} on the server whose URL is {@code serverUrl} (which names any
   * database of the cluster); query parameters are kept.
   */
  public static String jdbcUrl(String serverUrl, String database) {
    Matcher m = POSTGRES_URL.matcher(serverUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "database server URL must look like jdbc:postgresql://host:port/database");
    }
    return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
  }
}
