package com.taskifai.activities.database;

import static com.taskifai.activities.database.ReplicationSql.quote;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The check of a replica before the swap: per table the row count and a checksum of the primary
 * keys, on source and target, each read in one snapshot.
 */
final class ReplicaVerification {
  /**
   * The schema version and, per table, the row count and a checksum of the primary keys (of the
   * whole row where a table has none), read in one repeatable-read transaction. With {@code
   * recordHash} (both ends on PostgreSQL 14 or newer, {@link #recordHashes}) a key is hashed with
   * {@code hash_record_extended}, the hash its columns' types define, not through its text: the
   * same sum over the same keys, three to four times faster, and it runs while writes are held.
   * Both ends of one comparison must be read with the same {@code recordHash}.
   */
  Map<String, String> fingerprint(ServerAdmin admin, String database, boolean recordHash)
      throws SQLException {
    Map<String, String> result = new TreeMap<>();
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      result.put("schema_version", String.valueOf(PgPipes.schemaVersion(c)));
      Map<String, String> keys = new TreeMap<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT c.oid::regclass::text, (SELECT string_agg(quote_ident(a.attname), ','"
                      + " ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i"
                      + " JOIN pg_attribute a ON a.attrelid = i.indrelid"
                      + " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = c.oid AND i.indisprimary)"
                      + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog',"
                      + " 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1")) {
        while (rs.next()) {
          keys.put(rs.getString(1), rs.getString(2));
        }
      }
      for (Map.Entry<String, String> table : keys.entrySet()) {
        String key = table.getValue() == null ? "t" : "ROW(" + table.getValue() + ", 0)";
        // A table without a key (replica identity full) may hold types without a hash function:
        // its whole row is hashed through its text.
        String hash =
            recordHash && table.getValue() != null
                ? "hash_record_extended(" + key + ", 0)"
                : "hashtextextended((" + key + ")::text, 0)";
        try (Statement st = c.createStatement();
            ResultSet rs =
                st.executeQuery(
                    "SELECT count(*) || ':' || coalesce(sum("
                        + hash
                        + "), 0) FROM "
                        + table.getKey()
                        + " t")) {
          rs.next();
          result.put(table.getKey(), rs.getString(1));
        }
      }
      c.commit();
    }
    return result;
  }

  /**
   * Whether both servers have {@code hash_record_extended} (PostgreSQL 14 or newer), so that {@link
   * #fingerprint(ServerAdmin, String, boolean)} may hash keys by their type on both.
   */
  static boolean recordHashes(ServerAdmin source, ServerAdmin target) throws SQLException {
    for (ServerAdmin admin : List.of(source, target)) {
      try (Connection c = admin.maintenance().getConnection()) {
        if (Integer.parseInt(PgPipes.single(c, "SHOW server_version_num")) < 140000) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Per table of {@code tables}, the row count and a checksum of the primary key without {@code
   * tenant_id} (the key both shapes share), of trial {@code trial}'s rows only, or of every row
   * when {@code trial} is null (its new database), read in one repeatable-read transaction as the
   * administrator (who sees every row).
   */
  Map<String, String> fingerprint(
      ServerAdmin admin, String database, List<String> tables, UUID trial) throws SQLException {
    Map<String, String> result = new TreeMap<>();
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      for (String table : tables) {
        String key;
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT string_agg(quote_ident(a.attname), ',' ORDER BY"
                    + " array_position(i.indkey, a.attnum)) FROM pg_index i JOIN pg_attribute a"
                    + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                    + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
                    + " AND a.attname <> 'tenant_id'")) {
          ps.setString(1, quote(table));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            key = rs.getString(1);
          }
        }
        if (key == null) {
          throw new SQLException(table + " has no primary key besides tenant_id", "42P10");
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) || ':' || coalesce(sum(hashtextextended((ROW("
                    + key
                    + ", 0))::text, 0)::numeric), 0) FROM "
                    + quote(table)
                    + (trial == null ? "" : " WHERE tenant_id = ?"))) {
          if (trial != null) {
            ps.setObject(1, trial);
          }
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            result.put(table, rs.getString(1));
          }
        }
      }
      c.commit();
    }
    return result;
  }

  /**
   * A move's check, writes held: the fingerprints of source and target read at once (one thread
   * each), and a step failure naming the tables that differ, before anything is swapped.
   */
  void verifyMove(ServerAdmin source, ServerAdmin target, String database, UUID tenantId) {
    Map<String, String> atSource;
    Map<String, String> atTarget;
    boolean recordHash;
    try {
      recordHash = recordHashes(source, target);
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_copy", tenantId, e);
    }
    java.util.concurrent.FutureTask<Map<String, String>> reading =
        new java.util.concurrent.FutureTask<>(() -> fingerprint(source, database, recordHash));
    Thread reader = new Thread(reading, "verify-source");
    reader.setDaemon(true);
    reader.start();
    try {
      atTarget = fingerprint(target, database, recordHash);
      atSource = reading.get();
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_copy", tenantId, e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw DatabaseFailures.of("verify_copy", tenantId, sql);
      }
      throw StepFailure.of(FailureType.UNAVAILABLE, "verify_copy: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StepFailure.of(FailureType.UNAVAILABLE, "verify_copy interrupted");
    } finally {
      reading.cancel(true);
    }
    if (!atSource.equals(atTarget)) {
      List<String> differ =
          new java.util.TreeSet<>(atSource.keySet())
              .stream()
                  .filter(k -> !java.util.Objects.equals(atSource.get(k), atTarget.get(k)))
                  .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
      atTarget.keySet().stream().filter(k -> !atSource.containsKey(k)).forEach(differ::add);
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "the target differs from the source in "
              + differ
              + " (row count:checksum of primary keys, source "
              + atSource
              + ", target "
              + atTarget
              + "); nothing swapped");
    }
  }

  /**
   * A promotion's check, writes held: trial {@code tenantId}'s rows of {@code tables} in {@code
   * shared} against every row of its new database {@code target}; returns the rows per table, or
   * fails naming both sides.
   */
  Map<String, Long> verifyTrial(
      ServerAdmin admin, String shared, String target, List<String> tables, UUID tenantId) {
    Map<String, String> source;
    Map<String, String> copy;
    try {
      source = fingerprint(admin, shared, tables, tenantId);
      copy = fingerprint(admin, target, tables, null);
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_trial_replica", tenantId, e);
    }
    if (!source.equals(copy)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "the new database differs from the trial's rows (row count:checksum of primary keys,"
              + " shared trial database "
              + source
              + ", new database "
              + copy
              + "); nothing swapped");
    }
    Map<String, Long> rows = new java.util.LinkedHashMap<>();
    for (String table : tables) {
      String fingerprint = copy.get(table);
      rows.put(table, Long.parseLong(fingerprint.substring(0, fingerprint.indexOf(':'))));
    }
    return rows;
  }
}
