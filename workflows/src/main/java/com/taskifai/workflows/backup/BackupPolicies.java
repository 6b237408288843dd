package com.taskifai.workflows.backup;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;

/** Activity options of the backup and restore workflows. */
public final class BackupPolicies {
  private BackupPolicies() {}

  /** Registry writes, checks and drops. */
  static final ActivityOptions SHORT = ActivityPolicies.FLEET_SHORT;

  /** Dumps, restores and checksums (heartbeating). */
  static final ActivityOptions LONG = ActivityPolicies.FLEET_LONG;

  /** The message of the failure behind an activity failure (no secret: activities write none). */
  public static String reason(ActivityFailure e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }
}
