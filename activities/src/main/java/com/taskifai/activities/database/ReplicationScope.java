package com.taskifai.activities.database;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What one logical replication copies: from {@code sourceDatabase} into {@code targetDatabase}
 * every table (a move: {@code tables} empty, {@code trial} null), or the rows of trial {@code
 * trial} in the listed tables (a promotion out of the shared trial database, whose other trials'
 * rows and slots it never touches).
 *
 * <p>A move's or promotion's role, publication, slot and subscription carry one name per tenant,
 * {@code taskifai_move_<32 hex>} ({@link #NAME}), so a retried step, an undo and the reconciler
 * find them; a tenant runs one move or promotion at a time (the operation claim).
 */
record ReplicationScope(
    String sourceDatabase, String targetDatabase, List<String> tables, UUID trial) {
  /** The name of a move's role, publication, slot and subscription: group 1 is the tenant id. */
  static final Pattern NAME = Pattern.compile("^taskifai_move_([0-9a-f]{32})$");

  /** A move's: the whole database, of the same name on both servers. */
  static ReplicationScope database(String database) {
    return new ReplicationScope(database, database, List.of(), null);
  }

  /** A promotion's: one trial's rows of {@code tables} into its new database. */
  static ReplicationScope trial(
      String sourceDatabase, String targetDatabase, List<String> tables, UUID id) {
    return new ReplicationScope(sourceDatabase, targetDatabase, List.copyOf(tables), id);
  }

  /** The name of the tenant's replication objects. */
  static String name(UUID tenantId) {
    return "taskifai_move_" + TenantDatabaseNames.hex(tenantId);
  }

  /** Whether the source is the server's shared trial database (a promotion). */
  boolean shared() {
    return trial != null;
  }
}
