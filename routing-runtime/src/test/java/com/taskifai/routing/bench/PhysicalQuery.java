package com.taskifai.routing.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The queries of {@code GET /api/products} (and of the baseline endpoint) on one connection. */
final class PhysicalQuery {
  private PhysicalQuery() {}

  static void run(Connection c, String userId) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true)")) {
      ps.setString(1, userId);
      ps.setString(2, "admin");
      ps.execute();
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM products");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
    }
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, sku, name, ean, category, created_at, updated_at FROM products"
                    + " ORDER BY sku LIMIT 50 OFFSET 0");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rs.getString(2);
      }
    }
    c.commit();
  }
}
