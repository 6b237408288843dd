package com.taskifai.activities;

import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
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

  /**
   * Another operation holds the tenant (its claim, {@code tenants.operation}); {@code then} says
   * what to do, or is null.
   */
  public static ApplicationFailure busy(UUID tenantId, TenantOperations.Held held, String then) {
    return of(FailureType.INVALID_STATE, held.busy(tenantId) + (then == null ? "" : ": " + then));
  }

  /** The operation does not work for this kind of tenant (the protocol's tier table). */
  public static ApplicationFailure refused(UUID tenantId, TenantOperationKind.Refusal refusal) {
    return of(FailureType.INVALID_STATE, "tenant " + tenantId + " " + refusal.message());
  }

  /** The database server a tenant or a step names is not in the registry: no retry helps. */
  public static ApplicationFailure serverMissing(String serverId) {
    return of(FailureType.MISCONFIGURED, "database server " + serverId + " is not registered");
  }
}
