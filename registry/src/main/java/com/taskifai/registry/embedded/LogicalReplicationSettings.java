package com.taskifai.registry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The settings that let an embedded server be either end of an online move (logical replication):
 * {@code wal_level = logical} (a superset of {@code replica}, so WAL archiving keeps working) and
 * room for a few moves at once in slots, WAL senders and apply workers.
 */
public final class LogicalReplicationSettings {
  private LogicalReplicationSettings() {}

  /** Turns the settings on in {@code builder}; returns it. */
  public static EmbeddedPostgres.Builder apply(EmbeddedPostgres.Builder builder) {
    return builder
        .setServerConfig("wal_level", "logical")
        .setServerConfig("max_replication_slots", "20")
        .setServerConfig("max_wal_senders", "20")
        .setServerConfig("max_logical_replication_workers", "8")
        .setServerConfig("max_worker_processes", "16");
  }
}
