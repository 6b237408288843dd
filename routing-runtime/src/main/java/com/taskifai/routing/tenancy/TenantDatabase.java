package com.taskifai.routing.tenancy;

import com.taskifai.routing.api.ApiException;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.web.ProblemException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;

/**
 * Runs a request's work in one transaction on the routed tenant's own pool, with the user's
 * identity set for row level security. The settings are transaction-local ({@code set_config(...,
 * true)} is {@code SET LOCAL} with bind parameters), so a pooled connection never carries one
 * request's identity into the next.
 */
@Component
public class TenantDatabase {
  private final TenantPools pools;
  private final RouterMetrics metrics;
  private final TrialIsolationCheck trialIsolation;

  public TenantDatabase(
      TenantPools pools, RouterMetrics metrics, TrialIsolationCheck trialIsolation) {
    this.pools = pools;
    this.metrics = metrics;
    this.trialIsolation = trialIsolation;
  }

  /** The JDBC access a unit of work gets, bound to one connection and transaction. */
  public record Tx(JdbcClient jdbc, JdbcTemplate template, TenantUser user) {}

  /** A unit of work in a tenant transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Tx tx);
  }

  /**
   * Runs work in a transaction as {@code user}; commits when it returns, rolls back when it throws.
   *
   * @throws ApiException 503 when no connection can be had in time (the global cap is reached) or
   *     the tenant's stored credentials fail
   */
  public <T> T inTransaction(RoutedTenant routed, TenantUser user, Work<T> work) {
    Connection c;
    try {
      c = pools.connection(routed.tenant());
    } catch (SQLInvalidAuthorizationSpecException e) {
      // Logged and counted by the pools, without the secret; the caller learns no more.
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "unavailable",
          "the tenant database is unavailable; the operators are alerted, retry later");
    } catch (TenantPools.TenantDatabaseUnreachable e) {
      throw ApiException.retryLater(
          "unavailable",
          "the tenant database cannot be reached; retry in a moment",
          e.retryAfterSeconds());
    } catch (SQLTransientConnectionException e) {
      metrics.poolRejected(routed);
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "busy",
          "the service is at its connection limit; retry in a moment");
    } catch (SQLException e) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "unavailable",
          "the tenant database cannot be reached; retry in a moment");
    }
    try (c) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true)")) {
          ps.setString(1, user.userId() == null ? "" : user.userId().toString());
          ps.setString(2, user.role());
          ps.execute();
        }
        if (routed.tenant().isTrial()) {
          // Never served unscoped: a table without the isolation policy refuses every trial.
          trialIsolation.requireScoped(routed.tenant(), c);
          // The shared trial database: the tenant comes from the routed registry row, never
          // from the request; a promotion's write fence makes the transaction read-only.
          TrialSchema.beginTenantTransaction(c, routed.tenant().tenantId());
        }
        SingleConnectionDataSource ds = new SingleConnectionDataSource(c, true);
        T result = work.run(new Tx(JdbcClient.create(ds), new JdbcTemplate(ds), user));
        c.commit();
        return result;
      } catch (RuntimeException | SQLException e) {
        rollbackQuietly(c);
        if (readOnly(e)) {
          // A promotion froze the trial's writes, or a move, restore or promotion fenced the
          // database this router has not switched away from yet: the same answer as a held write.
          throw ApiException.retryLater(
              "unavailable", "the tenant's database is being switched; retry in a few seconds", 2);
        }
        java.util.Optional<ApiException> down = unreachable(routed, e);
        if (down.isPresent()) {
          throw down.get();
        }
        throw e;
      } finally {
        resetAutoCommit(c);
      }
    } catch (SQLException e) {
      throw unreachable(routed, e)
          .orElseThrow(() -> new IllegalStateException("tenant transaction failed", e));
    }
  }

  /**
   * A connection that broke during the request because the tenant's server went away: a 503, and
   * the tenant's database is backed off like a failed connection attempt.
   */
  private java.util.Optional<ApiException> unreachable(RoutedTenant routed, Exception e) {
    if (e instanceof ProblemException || !TenantPools.databaseUnreachable(e)) {
      return java.util.Optional.empty();
    }
    DatabaseBackoff.Backoff b = pools.backOff(routed.tenant().tenantId());
    return java.util.Optional.of(
        ApiException.retryLater(
            "unavailable",
            "the tenant database cannot be reached; retry in a moment",
            Math.max(1, b.pauseMillis() / 1000)));
  }

  /** True when the failure is a write in a read-only transaction (SQLSTATE 25006). */
  private static boolean readOnly(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SQLException sql && "25006".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** A broken connection cannot be reset; the pool discards it, and the first failure counts. */
  private static void resetAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException ignored) {
      // The pool resets or discards the connection when it is returned.
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; the pool discards it and the transaction with it.
    }
  }
}
