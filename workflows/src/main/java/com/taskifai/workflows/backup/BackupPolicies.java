package com.taskifai.workflows.backup;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;

/** Activity options of the backup and restore workflows. */
final class BackupPolicies {
  private BackupPolicies() {}

  /** Registry writes, checks and drops. */
  static final ActivityOptions SHORT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(ActivityPolicies.STEP_RETRY)
          .build();

  /**
   * Dumps, restores and checksums: as long as the data needs, but heartbeating, so a worker that
   * dies is noticed within the heartbeat timeout and the step retried on another.
   */
  static final ActivityOptions LONG =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(6))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(2))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofMinutes(1))
                  .setMaximumAttempts(4)
                  .setDoNotRetry(ActivityPolicies.NON_RETRYABLE_TYPES)
                  .build())
          .build();

  /** The message of the failure behind an activity failure (no secret: activities write none). */
  static String reason(ActivityFailure e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }
}
