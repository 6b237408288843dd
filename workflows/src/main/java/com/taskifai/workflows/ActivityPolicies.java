package com.taskifai.workflows;

import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Arrays;

/** Retry policies shared by the platform workflows. */
public final class ActivityPolicies {

  /** Type names of every {@link FailureType} that no retry can fix. */
  public static final String[] NON_RETRYABLE_TYPES =
      Arrays.stream(FailureType.values())
          .filter(type -> !type.retryable())
          .map(Enum::name)
          .toArray(String[]::new);

  /**
   * Forward steps: bounded (about four minutes of backoff in all) so that a dependency that stays
   * down fails the step for good and the saga compensates, instead of retrying for ever.
   */
  public static final RetryOptions STEP_RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(10)
          .setDoNotRetry(NON_RETRYABLE_TYPES)
          .build();

  /**
   * Compensations: five quick attempts, then the saga goes on with the other compensations and
   * leaves the tenant ROLLBACK_FAILED for a person, rather than blocking the whole rollback.
   */
  public static final RetryOptions UNDO_RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(10))
          .setMaximumAttempts(5)
          .setDoNotRetry(NON_RETRYABLE_TYPES)
          .build();

  private ActivityPolicies() {}
}
