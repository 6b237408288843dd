package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Orders create_database and its undo for one tenant through the tenant's row in {@code
 * tenant_database_fences} (platform database). A create holds the row's lock for all its work, so
 * concurrent attempts (a retry beside an attempt that timed out) run one after the other; the undo
 * waits for a running create and then marks the row dropped, after which every create is refused.
 */
final class DatabaseFence {

  /** Work done while holding the fence. */
  interface Work {
    void run() throws SQLException;
  }

  private final DataSource platform;

  DatabaseFence(DataSource platform) {
    this.platform = platform;
  }

  /**
   * Runs {@code work} holding the tenant's fence; fails non-retryably (INVALID_STATE) when the
   * tenant's database was dropped by its undo or by offboarding.
   */
  void whileCreating(UUID tenantId, Work work) throws SQLException {
    try (Connection c = platform.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO tenant_database_fences (tenant_id) VALUES (?)"
                    + " ON CONFLICT (tenant_id) DO NOTHING")) {
          ps.setObject(1, tenantId);
          ps.executeUpdate();
        }
        boolean dropped;
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT dropped_at IS NOT NULL FROM tenant_database_fences"
                    + " WHERE tenant_id = ? FOR UPDATE")) {
          ps.setObject(1, tenantId);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            dropped = rs.getBoolean(1);
          }
        }
        if (dropped) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "the database of tenant "
                  + tenantId
                  + " was dropped by its undo; create_database does not create it again");
        }
        work.run();
        c.commit();
      } catch (SQLException | RuntimeException | Error e) {
        c.rollback();
        throw e;
      }
    }
  }

  /**
   * Marks the tenant's database dropped, once any running create has ended (its lock is taken by
   * the update); returns when the mark is committed.
   */
  void markDropped(UUID tenantId) throws SQLException {
    try (Connection c = platform.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO tenant_database_fences AS f (tenant_id, dropped_at) VALUES (?, now())"
                    + " ON CONFLICT (tenant_id)"
                    + " DO UPDATE SET dropped_at = coalesce(f.dropped_at, now())")) {
      ps.setObject(1, tenantId);
      ps.executeUpdate();
    }
  }
}
