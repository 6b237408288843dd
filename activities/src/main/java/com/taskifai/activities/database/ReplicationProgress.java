package com.taskifai.activities.database;

import static com.taskifai.activities.database.ReplicationScope.name;
import static com.taskifai.activities.database.ReplicationSql.sleep;
import static com.taskifai.activities.database.ReplicationSql.writable;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import io.temporal.activity.Activity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * Where a replication stands (tables copied, the slot's unconfirmed WAL, the subscription's delay,
 * rows written on the target), the catch-up that waits for it while the tenant writes, and the wait
 * for lag 0 while writes are held.
 */
final class ReplicationProgress {
  /** The lag under which the catch-up ends and the move holds writes. */
  static final long CAUGHT_UP_BYTES = 1L << 20;

  /** How long one catch_up call waits before it reports back to the workflow. */
  static final Duration CATCH_UP_CALL = Duration.ofSeconds(10);

  /** How long await_zero_lag waits for the last writes to arrive, writes held. */
  static final Duration ZERO_LAG_LIMIT = Duration.ofSeconds(40);

  /**
   * Where the subscription stands; fails INVALID_STATE when there is none (start_replication did
   * not run, or the subscription was dropped).
   */
  ReplicationLag lag(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    return lag(source, target, ReplicationScope.database(database), tenantId);
  }

  /** Where the subscription of {@code scope} stands; as the move's. */
  ReplicationLag lag(ServerAdmin source, ServerAdmin target, ReplicationScope scope, UUID tenantId)
      throws SQLException {
    String name = name(tenantId);
    String database = scope.targetDatabase();
    int tables;
    int synced;
    Double seconds;
    long rows;
    try (Connection c = target.database(database).getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(r.srrelid)::int, count(r.srrelid) FILTER (WHERE r.srsubstate = 'r')::int"
                  + " FROM pg_subscription s LEFT JOIN pg_subscription_rel r"
                  + " ON r.srsubid = s.oid WHERE s.subname = ? GROUP BY s.oid")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw StepFailure.of(
                FailureType.INVALID_STATE,
                "no subscription "
                    + name
                    + " on server "
                    + target.serverId()
                    + ": the replication is gone; start the move again");
          }
          tables = rs.getInt(1);
          synced = rs.getInt(2);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT extract(epoch FROM now() - latest_end_time)::float8 FROM"
                  + " pg_stat_subscription WHERE subname = ? AND relid IS NULL")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          seconds = rs.next() ? (Double) rs.getObject(1) : null;
        }
      }
      rows =
          Long.parseLong(
              PgPipes.single(
                  c, "SELECT coalesce(sum(n_tup_ins), 0)::bigint FROM pg_stat_user_tables"));
    }
    long bytes = slotLag(source, name);
    boolean caughtUp = synced == tables && bytes < CAUGHT_UP_BYTES;
    return new ReplicationLag(tables, synced, bytes, seconds, rows, caughtUp);
  }

  /** Bytes of the source's WAL the slot has not had confirmed; large when it has none yet. */
  private long slotLag(ServerAdmin source, String name) throws SQLException {
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "no replication slot "
                  + name
                  + " on server "
                  + source.serverId()
                  + ": the replication is gone; start the move again");
        }
        long bytes = rs.getLong(1);
        return rs.wasNull() ? Long.MAX_VALUE : Math.max(0, bytes);
      }
    }
  }

  /**
   * Waits up to {@link #CATCH_UP_CALL} for the catch-up, heartbeating where it stands. Each poll
   * writes a WAL message in the source database: on a tenant that does not write, the subscriber
   * would otherwise learn that the source moved on (and mark copied tables ready) only from the
   * next WAL the server writes anyway, up to half a minute later.
   */
  ReplicationLag catchUp(ServerAdmin source, ServerAdmin target, String database, UUID tenantId)
      throws SQLException {
    return catchUp(source, target, ReplicationScope.database(database), tenantId);
  }

  /** The catch-up of {@code scope}; as the move's. */
  ReplicationLag catchUp(
      ServerAdmin source, ServerAdmin target, ReplicationScope scope, UUID tenantId)
      throws SQLException {
    long until = System.nanoTime() + CATCH_UP_CALL.toNanos();
    SubscriptionErrors errors = SubscriptionErrors.start(target, scope, tenantId);
    try (Connection nudge = writable(source, scope.sourceDatabase())) {
      while (true) {
        ReplicationLag lag = errors.judge(lag(source, target, scope, tenantId));
        heartbeat(lag);
        if (lag.caughtUp() || System.nanoTime() > until) {
          return lag;
        }
        PgPipes.single(nudge, "SELECT pg_logical_emit_message(false, 'taskifai_move', 'catch_up')");
        sleep(200);
      }
    }
  }

  /**
   * Writes held: waits for the app role's sessions that began before the hold to end (ending them
   * again), marks the source's WAL position with a message in the database, and waits until the
   * subscription has confirmed it: every write committed before is on the target.
   */
  ReplicationLag awaitZeroLag(
      ServerAdmin source, ServerAdmin target, String database, String appRole, UUID tenantId)
      throws SQLException {
    return awaitZeroLag(source, target, ReplicationScope.database(database), appRole, tenantId);
  }

  /**
   * Writes held, as {@link #awaitZeroLag(ServerAdmin, ServerAdmin, String, String, UUID)}. With
   * {@code appRole} null no session is ended: the hold itself waited for the writers (a trial's
   * fence), and a shared database's sessions serve other trials too.
   */
  ReplicationLag awaitZeroLag(
      ServerAdmin source, ServerAdmin target, ReplicationScope scope, String appRole, UUID tenantId)
      throws SQLException {
    String name = name(tenantId);
    String database = scope.sourceDatabase();
    long until = System.nanoTime() + ZERO_LAG_LIMIT.toNanos();
    if (appRole != null) {
      endWritableSessions(source, database, appRole, until);
    }
    String mark;
    try (Connection c = writable(source, database)) {
      mark =
          PgPipes.single(c, "SELECT pg_logical_emit_message(false, 'taskifai_move', 'hold')::text");
    }
    SubscriptionErrors errors = SubscriptionErrors.start(target, scope, tenantId);
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots"
                    + " WHERE slot_name = ?")) {
      ps.setString(1, mark);
      ps.setString(2, name);
      for (int poll = 1; ; poll++) {
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            break;
          }
        }
        if (poll % 10 == 0) {
          // Writes are held: a subscription that fails will not confirm, so end the hold now.
          String failing = errors.failing();
          if (failing != null) {
            throw StepFailure.of(FailureType.INVALID_STATE, failing);
          }
        }
        giveUpAfter(until, "the target did not confirm the source's WAL position " + mark);
        sleep(50);
      }
    }
    ReplicationLag lag = lag(source, target, scope, tenantId);
    return new ReplicationLag(
        lag.tables(), lag.tablesSynced(), 0, lag.lagSeconds(), lag.rowsCopied(), true);
  }

  /** Ends the app role's sessions on the database that began before now, until none is left. */
  private void endWritableSessions(ServerAdmin source, String database, String appRole, long until)
      throws SQLException {
    try (Connection c = source.maintenance().getConnection()) {
      // Sessions that began before now may still have a writable default; later ones are
      // read-only (hold_writes set the database so first).
      String held = PgPipes.single(c, "SELECT now()::text");
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  + " WHERE datname = ? AND usename = ? AND backend_start < ?::timestamptz")) {
        ps.setString(1, database);
        ps.setString(2, appRole);
        ps.setString(3, held);
        while (true) {
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (rs.getInt(1) == 0) {
              break;
            }
          }
          giveUpAfter(until, "the sessions that could write on " + database + " did not end");
          sleep(50);
        }
      }
    }
  }

  private static void heartbeat(ReplicationLag lag) {
    if (CurrentActivity.info().isPresent()) {
      Activity.getExecutionContext().heartbeat(lag);
    }
  }

  private static void giveUpAfter(long until, String what) {
    if (System.nanoTime() > until) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, what + " within " + ZERO_LAG_LIMIT.toSeconds() + " s");
    }
  }
}
