package com.taskifai.routing.api;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;

/** Small pieces the repositories share. */
final class Sql {
  private Sql() {}

  /**
   * The text stripped and with LIKE's wildcards and escape character escaped, to match literally
   * inside a LIKE pattern (PostgreSQL's default escape character, the backslash).
   */
  static String escapeLike(String text) {
    return text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  /** A timestamp column as an instant, or null. */
  static Instant instant(ResultSet rs, String column) throws SQLException {
    java.sql.Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  /** A date column as a date, or null. */
  static LocalDate date(ResultSet rs, String column) throws SQLException {
    java.sql.Date d = rs.getDate(column);
    return d == null ? null : d.toLocalDate();
  }
}
