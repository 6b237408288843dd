package com.taskifai.registry;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Whether a database server can take part in an online move (logical replication): as the source it
 * needs {@code wal_level = logical}, a free replication slot and WAL sender, and an admin that may
 * create a publication for all tables; as the target, logical replication workers and an admin that
 * may create a subscription. Each check answers why not, in words that say what to change; empty
 * means it can. Read on the admin's session; nothing is changed.
 */
public final class OnlineMoves {
  private OnlineMoves() {}

  /** Why the server cannot be the source of an online move; empty when it can. */
  public static Optional<String> sourceRefusal(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT current_setting('wal_level'),"
                    + " current_setting('max_replication_slots')::int,"
                    + " current_setting('max_wal_senders')::int,"
                    + " (SELECT count(*) FROM pg_replication_slots)::int,"
                    + " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")) {
      rs.next();
      if (!"logical".equals(rs.getString(1))) {
        return Optional.of(
            "wal_level is "
                + rs.getString(1)
                + ", not logical: set wal_level = logical and restart the server"
                + " (moves off it copy with pg_dump and hold writes for the whole copy)");
      }
      if (rs.getInt(2) - rs.getInt(4) < 1) {
        return Optional.of(
            "no free replication slot (max_replication_slots = "
                + rs.getInt(2)
                + "): raise max_replication_slots");
      }
      if (rs.getInt(3) < 1) {
        return Optional.of("max_wal_senders is 0: raise it");
      }
      if (!rs.getBoolean(5)) {
        return Optional.of(
            "the admin role is not a superuser, which a publication for all tables needs");
      }
      return Optional.empty();
    }
  }

  /** Why the server cannot be the target of an online move; empty when it can. */
  public static Optional<String> targetRefusal(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT current_setting('max_logical_replication_workers')::int,"
                    + " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")) {
      rs.next();
      if (rs.getInt(1) < 1) {
        return Optional.of("max_logical_replication_workers is 0: raise it");
      }
      if (!rs.getBoolean(2)) {
        return Optional.of("the admin role is not a superuser, which a subscription needs");
      }
      return Optional.empty();
    }
  }

  /** Why the server cannot be either end of an online move; empty when it can be both. */
  public static Optional<String> refusal(Connection c) throws SQLException {
    Optional<String> source = sourceRefusal(c);
    return source.isPresent() ? source : targetRefusal(c);
  }
}
