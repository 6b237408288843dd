package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;
import java.util.UUID;
import java.util.function.Function;

/**
 * Database errors as the typed step failures the workflows react to, for every activity that works
 * inside a database server. The SQLSTATE decides: refused rights or logins are a configuration
 * problem (non-retryable), a missing database means the step runs out of order (non-retryable),
 * anything else (a restarting server, no free connection, a lost race) is retried.
 */
final class DatabaseFailures {
  private DatabaseFailures() {}

  /** A failed step of one tenant, typed by its SQLSTATE. */
  static ApplicationFailure of(String step, UUID tenantId, SQLException e) {
    String state = state(e);
    return StepFailure.of(
        type(state),
        step
            + " of tenant "
            + tenantId
            + " failed in the database: "
            + e.getMessage()
            + " (SQLSTATE "
            + state
            + ")");
  }

  /**
   * A failed schema migration: one that conflicts with what the database holds (SQLSTATE classes
   * 22, 23, 42 but 42501, P0) fails for good, since no retry changes the database; others are typed
   * as {@link #of}. The message keeps the first line of the driver's.
   */
  static ApplicationFailure ofMigration(String what, SQLException e) {
    String state = state(e);
    boolean conflict =
        (state.startsWith("42") && !state.equals("42501"))
            || state.startsWith("23")
            || state.startsWith("22")
            || state.startsWith("P0");
    String message = e.getMessage() == null ? "" : e.getMessage().strip();
    int newline = message.indexOf('\n');
    if (newline > 0) {
      message = message.substring(0, newline);
    }
    return StepFailure.of(
        conflict ? FailureType.INVALID_STATE : type(state),
        what + " failed: " + message + " (SQLSTATE " + state + ")");
  }

  /**
   * A failed step that is always retried (the trial steps: a restarting server or a lost race; the
   * step is idempotent).
   */
  static ApplicationFailure retried(String step, SQLException e) {
    return StepFailure.of(
        FailureType.UNAVAILABLE,
        step + " failed: " + e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")");
  }

  /**
   * What to throw for a runtime exception from code that wraps the driver's (TenantSchema, Flyway):
   * the mapped failure of its SQLException, or the exception itself when it has none or is a step
   * failure already.
   */
  static RuntimeException unwrapped(
      RuntimeException e, Function<SQLException, ? extends RuntimeException> mapping) {
    SQLException cause = sqlCause(e);
    if (cause == null || e instanceof ApplicationFailure) {
      return e;
    }
    return mapping.apply(cause);
  }

  /** The first SQLException in a cause chain, or null. */
  static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }

  private static String state(SQLException e) {
    return e.getSQLState() == null ? "" : e.getSQLState();
  }

  private static FailureType type(String state) {
    if (state.equals("42501") || state.startsWith("28")) {
      return FailureType.MISCONFIGURED;
    } else if (state.equals("3D000")) {
      return FailureType.INVALID_STATE;
    }
    return FailureType.UNAVAILABLE;
  }
}
