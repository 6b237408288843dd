package com.taskifai.registry;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Where a tenant's database lived when ({@code tenant_database_history}, written by a trigger on
 * every change of a tenant's database server or name). A restore to a time reads the database that
 * held the tenant's rows at that moment: a replace restore or a move renames it since.
 */
public final class TenantDatabaseHistory {
  private final JdbcClient jdbc;

  public TenantDatabaseHistory(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** One placement of a tenant's database: server and name, from {@code validFrom} on. */
  public record Placement(String serverId, String databaseName, Instant validFrom) {}

  /**
   * The placement valid at {@code at}: the newest one recorded at or before it, else (a moment
   * between the tenant's creation and its first placement) the first one. Empty when nothing is
   * recorded for the tenant.
   */
  public Optional<Placement> at(UUID tenantId, Instant at) {
    Optional<Placement> before =
        jdbc.sql(
                "SELECT database_server_id, database_name, valid_from FROM tenant_database_history"
                    + " WHERE tenant_id = :t AND valid_from <= :at"
                    + " ORDER BY valid_from DESC LIMIT 1")
            .param("t", tenantId)
            .param("at", Timestamp.from(at))
            .query(TenantDatabaseHistory::map)
            .optional();
    if (before.isPresent()) {
      return before;
    }
    return jdbc.sql(
            "SELECT database_server_id, database_name, valid_from FROM tenant_database_history"
                + " WHERE tenant_id = :t ORDER BY valid_from LIMIT 1")
        .param("t", tenantId)
        .query(TenantDatabaseHistory::map)
        .optional();
  }

  /**
   * Since when the tenant's database has been on {@code serverId} without a break (the end of its
   * last stay elsewhere); empty when it never was there.
   */
  public Optional<Instant> onServerSince(UUID tenantId, String serverId) {
    return jdbc.sql(
            "SELECT min(valid_from) FROM tenant_database_history"
                + " WHERE tenant_id = :t AND database_server_id = :s AND valid_from >"
                + " (SELECT coalesce(max(valid_from), '-infinity') FROM tenant_database_history"
                + " WHERE tenant_id = :t AND database_server_id IS DISTINCT FROM :s)")
        .param("t", tenantId)
        .param("s", serverId)
        .query((rs, n) -> rs.getTimestamp(1))
        .optional()
        .filter(java.util.Objects::nonNull)
        .map(Timestamp::toInstant);
  }

  /**
   * Why a moment at which the tenant's database lived on another server than its current one cannot
   * be restored to: only the current server's WAL archive is read.
   */
  public static String movedReason(
      UUID tenantId, Instant at, Placement then, String currentServer) {
    return "at "
        + at
        + " tenant "
        + tenantId
        + "'s database was "
        + then.databaseName()
        + " on server "
        + then.serverId()
        + ", which it has left for "
        + currentServer
        + ": a restore to a time reads only the WAL archive of the tenant's current server;"
        + " choose a moment after the move";
  }

  private static Placement map(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
    return new Placement(
        rs.getString("database_server_id"),
        rs.getString("database_name"),
        rs.getTimestamp("valid_from").toInstant());
  }
}
