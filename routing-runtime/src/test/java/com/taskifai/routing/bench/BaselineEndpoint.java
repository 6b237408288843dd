package com.taskifai.routing.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.ColumnMapRowMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The benchmark's baseline: the same transaction and queries as {@code GET /api/products}, on one
 * fixed pool of the hot tenant, with no Host lookup, no token and no pool choice.
 */
@RestController
class BaselineEndpoint {
  static volatile DataSource fixed;
  static volatile String userId;

  @GetMapping("/baseline/products")
  Map<String, Object> products() throws SQLException {
    try (Connection c = fixed.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true)")) {
        ps.setString(1, userId);
        ps.setString(2, "admin");
        ps.execute();
      }
      JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(c, true));
      Long total = jdbc.queryForObject("SELECT count(*) FROM products", Long.class);
      List<Map<String, Object>> items =
          jdbc.query(
              "SELECT id, sku, name, ean, category, created_at, updated_at FROM products"
                  + " ORDER BY sku LIMIT 50 OFFSET 0",
              new ColumnMapRowMapper());
      c.commit();
      c.setAutoCommit(true);
      return Map.of("items", items, "limit", 50, "offset", 0, "total", total);
    }
  }
}
