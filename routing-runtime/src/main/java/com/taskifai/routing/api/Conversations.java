package com.taskifai.routing.api;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The SQL of the conversation history, over the connection of the caller's tenant transaction. No
 * filter by user on purpose: row level security shows a user their own rows and an admin all.
 */
final class Conversations {
  private static final String COLUMNS = "id, user_id, role, message, created_at";

  /** One message of the history. */
  record Conversation(UUID id, UUID userId, String role, String message, Instant createdAt) {}

  private Conversations() {}

  static Page<Conversation> page(JdbcClient jdbc, int limit, int offset) {
    return Page.ofTable(
        jdbc, COLUMNS, "conversation_history", "created_at, id", limit, offset, Conversations::row);
  }

  static Conversation add(JdbcClient jdbc, UUID userId, String role, String message) {
    return jdbc.sql(
            "INSERT INTO conversation_history (user_id, role, message) VALUES (?, ?, ?) RETURNING "
                + COLUMNS)
        .params(userId, role, message)
        .query(Conversations::row)
        .single();
  }

  private static Conversation row(ResultSet rs, int n) throws SQLException {
    return new Conversation(
        rs.getObject("id", UUID.class),
        rs.getObject("user_id", UUID.class),
        rs.getString("role"),
        rs.getString("message"),
        rs.getTimestamp("created_at").toInstant());
  }
}
