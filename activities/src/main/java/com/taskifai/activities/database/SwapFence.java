package com.taskifai.activities.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The fence on a tenant database that a swap leaves behind (the old database of a replace restore,
 * the source of a move): read-only for new sessions, CONNECT revoked for the tenant's app role and
 * the app role's sessions ended, so a router that missed the swap cannot commit a write there. It
 * binds the one tenant's app role on the one database; the owner role, the admin and every other
 * database keep their rights. Each step is idempotent (a retry after a crash repeats it).
 */
final class SwapFence {
  private SwapFence() {}

  /**
   * Sets {@code database} read-only for new sessions ({@code default_transaction_read_only}), or
   * writable again, and ends the app role's sessions on it so none keeps the old default.
   */
  static void readOnly(ServerAdmin admin, String database, String owner, String appRole, boolean on)
      throws SQLException {
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.grantRoleToAdmin(c, owner);
      ServerAdmin.execute(
          c,
          "ALTER DATABASE "
              + database
              + (on
                  ? " SET default_transaction_read_only = on"
                  : " RESET default_transaction_read_only"));
    }
    admin.release(database);
    endSessions(admin, database, appRole);
  }

  /**
   * Closes {@code database} to the app role: CONNECT revoked, then its sessions ended, in this
   * order so no new session slips in between.
   */
  static void close(ServerAdmin admin, String database, String appRole) throws SQLException {
    try (Connection c = admin.maintenance().getConnection()) {
      IsolatedDatabase.revokeConnect(c, database, appRole);
    }
    admin.release(database);
    endSessions(admin, database, appRole);
  }

  /** Opens {@code database} to the app role again (the undo of {@link #close}). */
  static void open(ServerAdmin admin, String database, String appRole) throws SQLException {
    try (Connection c = admin.maintenance().getConnection()) {
      IsolatedDatabase.grantConnect(c, database, List.of(appRole));
    }
  }

  /** Ends the sessions of {@code role} on {@code database}. */
  static void endSessions(ServerAdmin admin, String database, String role) throws SQLException {
    try (Connection c = admin.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE datname = ? AND usename = ? AND pid <> pg_backend_pid()")) {
      ps.setString(1, database);
      ps.setString(2, role);
      ps.execute();
    }
  }
}
