package com.taskifai.activities;

import com.taskifai.workflows.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.util.UUID;

/** Builds the typed {@link ApplicationFailure}s the workflows react to. */
public final class StepFailure {
  private StepFailure() {}

  /** A failure of the given type; retryable exactly when the type says so. */
  public static ApplicationFailure of(FailureType type, String message) {
    return type.retryable()
        ? ApplicationFailure.newFailure(message, type.name())
        : ApplicationFailure.newNonRetryableFailure(message, type.name());
  }

  /** The tenant row is missing. */
  public static ApplicationFailure tenantMissing(UUID tenantId) {
    return of(FailureType.INVALID_STATE, "tenant " + tenantId + " is not in the registry");
  }

  /** The database server a tenant or a step names is not in the registry: no retry helps. */
  public static ApplicationFailure serverMissing(String serverId) {
    return of(FailureType.MISCONFIGURED, "database server " + serverId + " is not registered");
  }
}
