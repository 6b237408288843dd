package com.taskifai.workflows.move;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/** Activity options of the move and drain workflows. */
final class MovePolicies {
  private MovePolicies() {}

  /** Registry writes, checks, role and database DDL. */
  static final ActivityOptions SHORT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(ActivityPolicies.STEP_RETRY)
          .build();

  /**
   * The copy and its check: as long as the data needs, heartbeating, so a worker that dies is
   * noticed within the heartbeat timeout and the step retried on another.
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
}
