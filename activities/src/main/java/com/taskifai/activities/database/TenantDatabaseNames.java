package com.taskifai.activities.database;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of a tenant's database objects on its server, all derived from the tenant id so that a
 * retried step finds what an earlier attempt made: owner role {@code t_<32 hex>_owner} (NOLOGIN),
 * app role {@code t_<32 hex>_app} (LOGIN) and database {@code tenant_<32 hex>}. The whole id goes
 * into every name (at most 40 of PostgreSQL's 63 bytes), so two tenants never share a name. The
 * patterns below let the fleet reconciler recognise tenant objects; {@link #LEGACY_ROLE} matches
 * the earlier role names, which carried only the first 12 hex digits.
 */
public record TenantDatabaseNames(String ownerRole, String appRole, String database) {
  private static final Pattern POSTGRES_URL =
      Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?$");

  /** A tenant database: group 1 is the tenant id as 32 hex digits. */
  public static final Pattern DATABASE = Pattern.compile("^tenant_([0-9a-f]{32})$");

  /** A tenant role: group 1 is the tenant id as 32 hex digits, group 2 {@code owner} or app. */
  public static final Pattern ROLE = Pattern.compile("^t_([0-9a-f]{32})_(owner|app)$");

  /** A role of the earlier naming: group 1 is the first 12 hex digits of the tenant id. */
  public static final Pattern LEGACY_ROLE = Pattern.compile("^t_([0-9a-f]{12})_(owner|app)$");

  /** The names of one tenant. */
  public static TenantDatabaseNames of(UUID tenantId) {
    String hex = hex(tenantId);
    String prefix = "t_" + hex;
    return new TenantDatabaseNames(prefix + "_owner", prefix + "_app", "tenant_" + hex);
  }

  /** The tenant id as 32 lower-case hex digits. */
  public static String hex(UUID tenantId) {
    return tenantId.toString().replace("-", "");
  }

  /** The tenant id of 32 hex digits. */
  public static UUID idOfHex(String hex) {
    return UUID.fromString(
        hex.substring(0, 8)
            + "-"
            + hex.substring(8, 12)
            + "-"
            + hex.substring(12, 16)
            + "-"
            + hex.substring(16, 20)
            + "-"
            + hex.substring(20));
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
