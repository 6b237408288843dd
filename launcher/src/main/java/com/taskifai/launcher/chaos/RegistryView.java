package com.taskifai.launcher.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What the chaos soak reads from the platform database (the registry), as the platform role: a
 * tenant's status, server and operation claim. Every read gives up within seconds, so a stopped
 * registry reads as empty instead of hanging the workload.
 */
final class RegistryView {
  /** A tenant's row as the invariants need it. */
  record Row(
      UUID id,
      String subdomain,
      String status,
      String server,
      String operation,
      Instant operationStartedAt,
      boolean writesHeld,
      Instant updatedAt) {}

  private final PGSimpleDataSource db = new PGSimpleDataSource();

  RegistryView(Map<String, String> settings) {
    db.setUrl(settings.get("TASKIFAI_DB_URL"));
    db.setUser(settings.get("TASKIFAI_DB_USER"));
    db.setPassword(settings.get("TASKIFAI_DB_PASSWORD"));
    db.setConnectTimeout(3);
    db.setSocketTimeout(10);
    db.setLoginTimeout(3);
  }

  /** The tenant's row; empty when it is not there or the registry did not answer. */
  Optional<Row> find(UUID id) {
    try {
      List<Row> rows = rows("WHERE tenant_id = ?", id);
      return rows.stream().findFirst();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  /** Every tenant's row. */
  List<Row> all() throws SQLException {
    return rows("", null);
  }

  private List<Row> rows(String where, UUID id) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT tenant_id, subdomain, status, database_server_id, operation,"
                    + " operation_started_at, writes_held, updated_at FROM tenants "
                    + where)) {
      if (id != null) {
        ps.setObject(1, id);
      }
      List<Row> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Row(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  instant(rs.getTimestamp(6)),
                  rs.getBoolean(7),
                  instant(rs.getTimestamp(8))));
        }
      }
      return out;
    }
  }

  private static Instant instant(java.sql.Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
