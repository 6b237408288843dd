package com.taskifai.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The routers' claims on the database servers' connection budgets ({@code router_budget_claims}
 * against {@code database_servers.connection_budget}). A renewal runs in one transaction under one
 * advisory lock, so the routers change their claims one after the other and each decides on what
 * the others hold right now.
 */
public final class RouterBudgetClaims {
  /** The advisory lock key under which claims change ("budgets" in ASCII). */
  public static final long LOCK_KEY = 0x0062756467657473L;

  /** What one router sees in a renewal, and decides. */
  public interface Decision {
    /**
     * The router's new claims.
     *
     * @param budgets each budgeted server's budget (at least 0), by server id
     * @param claims the live claims (lease not over), by server id and router id
     * @return this router's claim on each budgeted server; its claims on other servers are dropped
     */
    Map<String, Integer> claims(
        Map<String, Integer> budgets, Map<String, Map<UUID, Integer>> claims);
  }

  private final DataSource platform;

  public RouterBudgetClaims(DataSource platform) {
    this.platform = platform;
  }

  /**
   * Drops the claims whose lease is over, lets {@code decision} choose this router's claims from
   * the budgets and the live claims, stores them and drops this router's claims on servers without
   * a budget; all in one transaction under the advisory lock, committed when this returns.
   */
  public void renew(UUID routerId, Duration lease, Decision decision) throws SQLException {
    try (Connection c = platform.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          ps.setLong(1, LOCK_KEY);
          ps.execute();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM router_budget_claims"
                    + " WHERE heartbeat_at < now() - make_interval(secs => ?)")) {
          ps.setDouble(1, lease.toMillis() / 1000.0);
          ps.executeUpdate();
        }
        Map<String, Integer> budgets = new HashMap<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT id, connection_budget FROM database_servers"
                        + " WHERE connection_budget IS NOT NULL");
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            budgets.put(rs.getString(1), Math.max(0, rs.getInt(2)));
          }
        }
        Map<String, Map<UUID, Integer>> claims = new HashMap<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT server_id, router_id, slots FROM router_budget_claims");
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            claims
                .computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                .put(rs.getObject(2, UUID.class), rs.getInt(3));
          }
        }
        Map<String, Integer> mine = decision.claims(budgets, claims);
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO router_budget_claims (server_id, router_id, slots, heartbeat_at)"
                    + " VALUES (?, ?, ?, now()) ON CONFLICT (server_id, router_id)"
                    + " DO UPDATE SET slots = EXCLUDED.slots, heartbeat_at = now()")) {
          for (Map.Entry<String, Integer> u : mine.entrySet()) {
            ps.setString(1, u.getKey());
            ps.setObject(2, routerId);
            ps.setInt(3, u.getValue());
            ps.addBatch();
          }
          if (!mine.isEmpty()) {
            ps.executeBatch();
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM router_budget_claims WHERE router_id = ?"
                    + " AND server_id <> ALL (?)")) {
          ps.setObject(1, routerId);
          ps.setArray(2, c.createArrayOf("text", budgets.keySet().toArray()));
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Gives back every claim of the router (it stops); giving back none is done. */
  public void release(UUID routerId) throws SQLException {
    try (Connection c = platform.getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM router_budget_claims WHERE router_id = ?")) {
      ps.setObject(1, routerId);
      ps.executeUpdate();
    }
  }
}
