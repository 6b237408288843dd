package com.taskifai.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Orders the creation of a tenant's database and its undo through the tenant's row in {@code
 * tenant_database_fences}. A create holds the row's lock for all its work, so concurrent attempts
 * (a retry beside an attempt that timed out) run one after the other; the undo waits for a running
 * create and then marks the row dropped, after which every create is refused until the row is
 * reopened.
 */
public final class TenantDatabaseFences {

  /** Work done while holding the fence. */
  public interface Work {
    void run() throws SQLException;
  }

  private final DataSource platform;

  public TenantDatabaseFences(DataSource platform) {
    this.platform = platform;
  }

  /**
   * Runs {@code work} holding the tenant's fence and commits when it returns.
   *
   * @return false, without running the work, when the tenant's database was marked dropped
   */
  public boolean whileCreating(UUID tenantId, Work work) throws SQLException {
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
          c.rollback();
          return false;
        }
        work.run();
        c.commit();
        return true;
      } catch (SQLException | RuntimeException | Error e) {
        c.rollback();
        throw e;
      }
    }
  }

  /**
   * Marks the tenant's database dropped, once any running create has ended (its lock is taken by
   * the update); returns when the mark is committed. Marking twice keeps the first time.
   */
  public void markDropped(UUID tenantId) throws SQLException {
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

  /** Lets creates run again for a tenant whose database was marked dropped (a new promotion). */
  public void reopen(UUID tenantId) throws SQLException {
    try (Connection c = platform.getConnection();
        PreparedStatement up =
            c.prepareStatement(
                "UPDATE tenant_database_fences SET dropped_at = NULL WHERE tenant_id = ?")) {
      up.setObject(1, tenantId);
      up.executeUpdate();
    }
  }
}
