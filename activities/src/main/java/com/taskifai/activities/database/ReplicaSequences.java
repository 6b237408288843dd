package com.taskifai.activities.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The target's sequences set to the source's values: logical replication does not carry them. */
final class ReplicaSequences {
  /** Every sequence of the target set to the source's value; returns how many. */
  int setSequences(ServerAdmin source, ServerAdmin target, String database) throws SQLException {
    return setSequences(source, target, ReplicationScope.database(database));
  }

  /**
   * Every sequence the target has set to the source's value of the same name; returns how many. A
   * shared trial database's sequences serve every trial, so their values are at or above every id a
   * trial was given.
   */
  int setSequences(ServerAdmin source, ServerAdmin target, ReplicationScope scope)
      throws SQLException {
    List<String> targetSequences = new ArrayList<>();
    try (Connection c = target.unpooled(scope.targetDatabase()).getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences")) {
      while (rs.next()) {
        targetSequences.add(rs.getString(1));
      }
    }
    Map<String, long[]> values = new TreeMap<>();
    try (Connection c = source.unpooled(scope.sourceDatabase()).getConnection()) {
      List<String> sequences = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
                      + " ORDER BY 1")) {
        while (rs.next()) {
          if (targetSequences.contains(rs.getString(1))) {
            sequences.add(rs.getString(1));
          }
        }
      }
      for (String seq : sequences) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + seq)) {
          rs.next();
          values.put(seq, new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0});
        }
      }
    }
    try (Connection c = target.unpooled(scope.targetDatabase()).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
      for (Map.Entry<String, long[]> e : values.entrySet()) {
        ps.setString(1, e.getKey());
        ps.setLong(2, e.getValue()[0]);
        ps.setBoolean(3, e.getValue()[1] == 1);
        ps.execute();
      }
    }
    return values.size();
  }
}
