package com.taskifai.routing.tenancy;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The back-off for tenants whose database cannot be reached (its server is down): after a failed
 * connection attempt, requests of that tenant fail at once for a pause that doubles with each
 * further failure (up to a limit), instead of each one waiting for and hammering the server. The
 * first connection that works again ends the back-off.
 */
final class DatabaseBackoff {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);
  static final long FIRST_PAUSE_MILLIS = 500;
  static final long MAX_PAUSE_MILLIS = 8_000;

  /** Until when (System.nanoTime) a tenant's database is not tried again, and the last pause. */
  record Backoff(long retryAtNanos, long pauseMillis) {}

  /** One attempt to connect to the tenant's database. */
  interface Attempt {
    Connection connect() throws SQLException;
  }

  private final ConcurrentHashMap<UUID, Backoff> unreachable = new ConcurrentHashMap<>();

  /**
   * Makes the attempt unless the tenant's database is backed off now; a failure that says the
   * database cannot be reached starts or lengthens the back-off, a connection ends it.
   *
   * @throws TenantPools.TenantDatabaseUnreachable while backed off, or when the attempt found the
   *     database unreachable
   */
  Connection connect(UUID tenantId, Attempt attempt) throws SQLException {
    Backoff backoff = unreachable.get(tenantId);
    if (backoff != null && System.nanoTime() - backoff.retryAtNanos() < 0) {
      throw new TenantPools.TenantDatabaseUnreachable(
          tenantId, seconds(backoff.retryAtNanos() - System.nanoTime()), null);
    }
    try {
      Connection c = attempt.connect();
      if (backoff != null && unreachable.remove(tenantId) != null) {
        log.info("the database of tenant {} answers again", tenantId);
      }
      return c;
    } catch (SQLException e) {
      if (!databaseUnreachable(e)) {
        throw e;
      }
      Backoff next = backOff(tenantId);
      log.warn(
          "the database of tenant {} cannot be reached ({}); not trying again for {} ms",
          tenantId,
          e.getMessage(),
          next.pauseMillis());
      throw new TenantPools.TenantDatabaseUnreachable(
          tenantId, seconds(next.pauseMillis() * 1_000_000L), e);
    }
  }

  /**
   * Records that a tenant's database could not be reached (also when a connection broke during a
   * request) and returns the back-off now in force.
   */
  Backoff backOff(UUID tenantId) {
    long now = System.nanoTime();
    return unreachable.merge(
        tenantId,
        new Backoff(now + FIRST_PAUSE_MILLIS * 1_000_000L, FIRST_PAUSE_MILLIS),
        (was, first) -> {
          if (now - was.retryAtNanos() < 0) {
            return was; // Requests that were already waiting: the pause in force stands.
          }
          long pause = Math.min(was.pauseMillis() * 2, MAX_PAUSE_MILLIS);
          return new Backoff(now + pause * 1_000_000L, pause);
        });
  }

  /** Tenants whose database is being backed off now. */
  int size() {
    return unreachable.size();
  }

  /** Whole seconds (at least 1) in a span of nanoseconds, rounded up. */
  private static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * True when the failure says the database server cannot be reached or is shutting down (SQL state
   * class 08, 57P01-57P03, or a refused or timed out socket), not the global cap (whose failure has
   * no SQL state).
   */
  static boolean databaseUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03")) {
          return true;
        }
      }
      if (t instanceof java.net.ConnectException || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
