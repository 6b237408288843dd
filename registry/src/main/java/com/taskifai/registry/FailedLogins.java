package com.taskifai.registry;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Failed sign-ins as bounded counters in {@code failed_logins}: one row per hour, e-mail, client
 * address and reason, pruned to the retention and to a row cap, so a flood of bad logins cannot
 * grow the platform database without end (the append-only audit log is kept for what authenticated
 * actors do).
 */
public final class FailedLogins {
  private final JdbcClient jdbc;
  private final Duration retention;
  private final long maxRows;
  private final Duration pruneEvery;
  private final AtomicLong nextPrune = new AtomicLong();

  /** One counter row. */
  public record Entry(
      Instant hour,
      String email,
      String clientAddress,
      String reason,
      int attempts,
      Instant firstAt,
      Instant lastAt) {}

  public FailedLogins(DataSource dataSource, Duration retention, long maxRows) {
    this(dataSource, retention, maxRows, Duration.ofMinutes(1));
  }

  FailedLogins(DataSource dataSource, Duration retention, long maxRows, Duration pruneEvery) {
    if (retention.isNegative() || retention.isZero() || maxRows < 1) {
      throw new IllegalArgumentException("failed-login retention and row cap must be positive");
    }
    this.jdbc = JdbcClient.create(dataSource);
    this.retention = retention;
    this.maxRows = maxRows;
    this.pruneEvery = pruneEvery;
  }

  /** Counts one failed sign-in; now and then prunes old rows. */
  public void record(String email, String clientAddress, String reason, Instant now) {
    jdbc.sql(
            "INSERT INTO failed_logins (hour, email, client_address, reason, first_at, last_at)"
                + " VALUES (:hour, :email, :address, :reason, :now, :now)"
                + " ON CONFLICT (hour, email, client_address, reason)"
                + " DO UPDATE SET attempts = LEAST(failed_logins.attempts, 2147483646) + 1,"
                + " last_at = EXCLUDED.last_at")
        .param("hour", Timestamp.from(now.truncatedTo(ChronoUnit.HOURS)))
        .param("email", clip(email == null ? "" : email, 254))
        .param("address", clip(clientAddress == null ? "" : clientAddress, 64))
        .param("reason", clip(reason, 32))
        .param("now", Timestamp.from(now))
        .update();
    long due = nextPrune.get();
    if (now.toEpochMilli() >= due
        && nextPrune.compareAndSet(due, now.plus(pruneEvery).toEpochMilli())) {
      prune(now);
    }
  }

  /** Deletes rows past the retention, then the oldest rows beyond the cap; returns how many. */
  public int prune(Instant now) {
    int old =
        jdbc.sql("DELETE FROM failed_logins WHERE last_at < :cutoff")
            .param("cutoff", Timestamp.from(now.minus(retention)))
            .update();
    int over =
        jdbc.sql(
                "DELETE FROM failed_logins WHERE ctid IN (SELECT ctid FROM failed_logins"
                    + " ORDER BY last_at DESC OFFSET :max)")
            .param("max", maxRows)
            .update();
    return old + over;
  }

  /** The most recently active counters, newest first. */
  public List<Entry> recent(int limit) {
    return jdbc.sql(
            "SELECT hour, email, client_address, reason, attempts, first_at, last_at"
                + " FROM failed_logins ORDER BY last_at DESC LIMIT :limit")
        .param("limit", Math.max(1, Math.min(limit, 1000)))
        .query(
            (rs, i) ->
                new Entry(
                    rs.getTimestamp("hour").toInstant(),
                    rs.getString("email"),
                    rs.getString("client_address"),
                    rs.getString("reason"),
                    rs.getInt("attempts"),
                    rs.getTimestamp("first_at").toInstant(),
                    rs.getTimestamp("last_at").toInstant()))
        .list();
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
