package com.taskifai.routing.api;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The SQL of the e-commerce orders, over the connection of the caller's tenant transaction. */
final class Orders {
  private static final String COLUMNS =
      "id, order_number, product_id, quantity, amount, currency, ordered_at, customer_country";

  /** One order. */
  record Order(
      UUID id,
      String orderNumber,
      UUID productId,
      BigDecimal quantity,
      BigDecimal amount,
      String currency,
      Instant orderedAt,
      String customerCountry) {}

  private Orders() {}

  /** A page of the orders, newest first. */
  static Page<Order> page(JdbcClient jdbc, int limit, int offset) {
    return Page.ofTable(
        jdbc, COLUMNS, "ecommerce_orders", "ordered_at DESC, id", limit, offset, Orders::row);
  }

  private static Order row(ResultSet rs, int n) throws SQLException {
    return new Order(
        rs.getObject("id", UUID.class),
        rs.getString("order_number"),
        rs.getObject("product_id", UUID.class),
        rs.getBigDecimal("quantity"),
        rs.getBigDecimal("amount"),
        rs.getString("currency"),
        Sql.instant(rs, "ordered_at"),
        rs.getString("customer_country"));
  }
}
