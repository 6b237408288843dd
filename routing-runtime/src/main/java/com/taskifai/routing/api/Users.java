package com.taskifai.routing.api;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The SQL of the tenant's users, over the connection of the caller's tenant transaction. Password
 * and token hashes are never read here.
 */
final class Users {
  private static final String COLUMNS = "id, email, display_name, role, created_at";

  /** One user as the API shows it. */
  record User(UUID id, String email, String displayName, String role, Instant createdAt) {}

  private Users() {}

  static Optional<User> find(JdbcClient jdbc, UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = ?")
        .param(id)
        .query(Users::row)
        .optional();
  }

  /** Every user the caller may see, by e-mail address. */
  static List<User> all(JdbcClient jdbc) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM users ORDER BY email").query(Users::row).list();
  }

  static boolean emailTaken(JdbcClient jdbc, String email) {
    return jdbc.sql("SELECT count(*) FROM users WHERE email = ?")
            .param(email)
            .query(Long.class)
            .single()
        > 0;
  }

  /** Inserts a user who sets their password with a token (its hash is stored); returns the id. */
  static UUID add(
      JdbcClient jdbc,
      String email,
      String displayName,
      String role,
      String tokenHash,
      Instant tokenExpires) {
    return jdbc.sql(
            "INSERT INTO users (email, display_name, role, set_password_token_hash,"
                + " set_password_token_expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
        .params(email, displayName, role, tokenHash, Timestamp.from(tokenExpires))
        .query(UUID.class)
        .single();
  }

  private static User row(ResultSet rs, int n) throws SQLException {
    return new User(
        rs.getObject("id", UUID.class),
        rs.getString("email"),
        rs.getString("display_name"),
        rs.getString("role"),
        Sql.instant(rs, "created_at"));
  }
}
