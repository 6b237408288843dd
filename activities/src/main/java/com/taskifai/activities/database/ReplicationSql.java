package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the replication collaborators ({@link ReplicationLifecycle}, {@link ReplicationLeftovers},
 * {@link ReplicationProgress}) share: a writable admin session on a read-only database, the drop of
 * a database's replication slots, and small SQL helpers.
 */
final class ReplicationSql {
  /** A tenant's own database, whose every replication slot is its move's. */
  static final Pattern TENANT_DATABASE = Pattern.compile("^tenant_[0-9a-f]{32}$");

  /** The databases a move's or promotion's role may be granted (a regular expression). */
  static final String REPLICATED_DATABASES =
      "^(tenant_[0-9a-f]{32}|" + com.taskifai.tenantschema.TrialSchema.DATABASE + ")$";

  private ReplicationSql() {}

  /** The oids of subscription {@code name} in the database of {@code c} (none or one). */
  static List<Long> subscriptionOids(Connection c, String name) throws SQLException {
    List<Long> oids = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT oid::bigint FROM pg_subscription WHERE subname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          oids.add(rs.getLong(1));
        }
      }
    }
    return oids;
  }

  /**
   * The replication slots of a database: all of them when {@code only} is null (a tenant database
   * has no other than its move's), else slot {@code only} and the table copies' slots of the given
   * subscriptions ({@code pg_<subscription oid>_sync_...}), the rest of a shared database's slots
   * being other trials' promotions'.
   */
  static void dropSlots(ServerAdmin source, String database, String only, List<Long> subscriptions)
      throws SQLException {
    List<String> patterns = new ArrayList<>();
    for (Long oid : subscriptions) {
      patterns.add("pg\\_" + oid + "\\_sync\\_%");
    }
    try (Connection c = source.maintenance().getConnection()) {
      for (int attempt = 0; ; attempt++) {
        List<String> slots = new ArrayList<>();
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = ?"
                    + " AND (?::text IS NULL OR slot_name = ? OR slot_name LIKE ANY (?::text[]))")) {
          ps.setString(1, database);
          ps.setString(2, only);
          ps.setString(3, only);
          ps.setArray(4, c.createArrayOf("text", patterns.toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              slots.add(rs.getString(1));
              int pid = rs.getInt(2);
              if (!rs.wasNull()) {
                ServerAdmin.execute(c, "SELECT pg_terminate_backend(" + pid + ")");
              }
            }
          }
        }
        if (slots.isEmpty()) {
          return;
        }
        try {
          for (String slot : slots) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
              ps.setString(1, slot);
              ps.execute();
            }
          }
          return;
        } catch (SQLException e) {
          // 55006: the slot's WAL sender has not ended yet.
          if (!"55006".equals(e.getSQLState()) || attempt >= 50) {
            throw e;
          }
          sleep(100);
        }
      }
    }
  }

  /**
   * A new session on the database that may write although the database is read-only for new
   * sessions (a held or swapped source): the admin's own work there, never the tenant's rows.
   */
  static Connection writable(ServerAdmin admin, String database) throws SQLException {
    Connection c = admin.unpooled(database).getConnection();
    try {
      ServerAdmin.execute(c, "SET default_transaction_read_only = off");
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  static boolean exists(ServerAdmin admin, String database) throws SQLException {
    try (Connection c = admin.maintenance().getConnection()) {
      return ServerAdmin.databaseExists(c, database);
    }
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted");
    }
  }
}
