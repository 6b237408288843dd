package com.taskifai.activities.database;

import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Whether the target's subscription keeps failing, from its error counters ({@code
 * pg_stat_subscription_stats}, PostgreSQL 15+): a worker that cannot apply a change (a row that
 * conflicts with a constraint on the target, a missing column) exits with an error, and PostgreSQL
 * starts it again every few seconds to fail again, while the slot's lag alone may look small. One
 * instance per call: the counters read when it starts are compared with later reads, so a failure
 * that ended long ago is not reported again.
 */
final class SubscriptionErrors {
  private final ServerAdmin target;
  private final String database;
  private final String name;
  private final long startedAt = System.nanoTime();
  private final long[] atStart;

  private SubscriptionErrors(ServerAdmin target, String database, String name, long[] atStart) {
    this.target = target;
    this.database = database;
    this.name = name;
    this.atStart = atStart;
  }

  /** Reads the counters now; on a target older than PostgreSQL 15 it never reports anything. */
  static SubscriptionErrors start(ServerAdmin target, ReplicationScope scope, UUID tenantId)
      throws SQLException {
    String name = ReplicationScope.name(tenantId);
    long[] counts;
    try (Connection c = target.database(scope.targetDatabase()).getConnection()) {
      counts =
          Integer.parseInt(PgPipes.single(c, "SHOW server_version_num")) < 150000
              ? null
              : counts(c, name);
    }
    return new SubscriptionErrors(target, scope.targetDatabase(), name, counts);
  }

  /**
   * {@code lag} as it is when the subscription works; when it failed again since this call began,
   * with the error said and not caught up (writes must not be held for a copy that cannot finish).
   */
  ReplicationLag judge(ReplicationLag lag) throws SQLException {
    String failing = failing();
    if (failing == null) {
      return lag;
    }
    return new ReplicationLag(
        lag.tables(),
        lag.tablesSynced(),
        lag.lagBytes(),
        lag.lagSeconds(),
        lag.rowsCopied(),
        false,
        failing);
  }

  /** What failed since this call began, in words for the operator; null when nothing did. */
  String failing() throws SQLException {
    if (atStart == null) {
      return null;
    }
    long[] now;
    try (Connection c = target.database(database).getConnection()) {
      now = counts(c, name);
    }
    long apply = now[0] - atStart[0];
    long sync = now[1] - atStart[1];
    // Between its attempts (about 5 s apart) a failing apply worker is not running: with errors
    // counted and no worker, it fails still, even before it fails again in this call.
    boolean down = now[0] > 0 && now[2] == 0;
    if (apply <= 0 && sync <= 0 && !down) {
      return null;
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt);
    return "the subscription "
        + name
        + " on server "
        + target.serverId()
        + (apply + sync > 0
            ? " failed " + (apply + sync) + " times in the last " + Math.max(1, seconds) + " s"
            : " is not applying changes since its last error")
        + " ("
        + now[0]
        + " apply and "
        + now[1]
        + " table copy errors in all) and keeps retrying: a change could not be written on the"
        + " target, such as a row that conflicts with a constraint or a row already there; the"
        + " target server's log names the statement";
  }

  /**
   * Apply and table-copy errors of subscription {@code name} so far, and whether its apply worker
   * runs (1) or not (0); zeros and a running worker without a row.
   */
  private static long[] counts(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT st.apply_error_count, st.sync_error_count, (SELECT count(*)"
                + " FROM pg_stat_subscription w WHERE w.subid = st.subid AND w.relid IS NULL"
                + " AND w.pid IS NOT NULL) FROM pg_stat_subscription_stats st"
                + " WHERE st.subname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}
            : new long[] {0, 0, 1};
      }
    }
  }
}
