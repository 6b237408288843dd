package com.taskifai.routing.api;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The SQL of the products, over the connection of the caller's tenant transaction (row level
 * security and, in the shared trial database, the tenant's own rows).
 */
final class Products {
  private static final String COLUMNS = "id, sku, name, ean, category, created_at, updated_at";

  /** One product. */
  record Product(
      UUID id,
      String sku,
      String name,
      String ean,
      String category,
      Instant createdAt,
      Instant updatedAt) {}

  private Products() {}

  /**
   * A page of products by sku; when {@code q} is not blank, those whose sku, name or EAN contain it
   * (matched literally, case-insensitively).
   */
  static Page<Product> page(JdbcClient jdbc, String q, int limit, int offset) {
    String like = q == null || q.isBlank() ? null : "%" + Sql.escapeLike(q) + "%";
    String where = like == null ? "" : " WHERE sku ILIKE :q OR name ILIKE :q OR ean ILIKE :q";
    var count = jdbc.sql("SELECT count(*) FROM products" + where);
    var rows =
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + " FROM products"
                    + where
                    + " ORDER BY sku LIMIT :limit OFFSET :offset")
            .param("limit", limit)
            .param("offset", offset);
    if (like != null) {
      count = count.param("q", like);
      rows = rows.param("q", like);
    }
    return new Page<>(
        rows.query(Products::row).list(), limit, offset, count.query(Long.class).single());
  }

  static Optional<Product> find(JdbcClient jdbc, UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM products WHERE id = ?")
        .param(id)
        .query(Products::row)
        .optional();
  }

  /** True when a product other than {@code except} (may be null) has this sku. */
  static boolean skuTaken(JdbcClient jdbc, String sku, UUID except) {
    return jdbc
        .sql("SELECT id FROM products WHERE sku = ?")
        .param(sku)
        .query(UUID.class)
        .list()
        .stream()
        .anyMatch(h -> !h.equals(except));
  }

  /** Inserts the product and returns its id. */
  static UUID add(JdbcClient jdbc, String sku, String name, String ean, String category) {
    return jdbc.sql(
            "INSERT INTO products (sku, name, ean, category) VALUES (?, ?, ?, ?) RETURNING id")
        .params(sku, name, ean, category)
        .query(UUID.class)
        .single();
  }

  /** Changes the product; false when there is none with this id. */
  static boolean update(
      JdbcClient jdbc, UUID id, String sku, String name, String ean, String category) {
    return jdbc.sql(
                "UPDATE products SET sku = ?, name = ?, ean = ?, category = ?,"
                    + " updated_at = now() WHERE id = ?")
            .params(sku, name, ean, category, id)
            .update()
        > 0;
  }

  /** Deletes the product; false when there is none with this id. */
  static boolean delete(JdbcClient jdbc, UUID id) {
    return jdbc.sql("DELETE FROM products WHERE id = ?").param(id).update() > 0;
  }

  private static Product row(ResultSet rs, int n) throws SQLException {
    return new Product(
        rs.getObject("id", UUID.class),
        rs.getString("sku"),
        rs.getString("name"),
        rs.getString("ean"),
        rs.getString("category"),
        Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"));
  }
}
