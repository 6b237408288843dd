package com.taskifai.activities;

import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The one way an activity claims a tenant for an operation ({@code tenants.operation}): a claim
 * that another operation holds fails INVALID_STATE naming it ({@link StepFailure#busy}); a work
 * done under a claim releases it however the work ends.
 */
public final class OperationClaims {
  private final TenantOperations operations;

  public OperationClaims(TenantOperations operations) {
    this.operations = operations;
  }

  /** Claims the tenant; a second claim by the same operation id holds it still. */
  public void claim(UUID tenantId, String operation, String operationId, String then) {
    refuseHeld(tenantId, operations.claim(tenantId, operation, operationId), then);
  }

  /** Ends the operation (and any write hold); releasing twice is fine. */
  public void release(UUID tenantId, String operationId) {
    operations.release(tenantId, operationId);
  }

  /**
   * Runs {@code work} under the tenant's claim for {@code kind}, released when it ends; when
   * another operation holds the tenant, fails saying so and {@code then} (what to do).
   */
  public <T> T whileClaimed(
      UUID tenantId, TenantOperationKind kind, String operationId, String then, Supplier<T> work) {
    refuseHeld(tenantId, operations.claim(tenantId, kind, operationId), then);
    try {
      return work.get();
    } finally {
      operations.release(tenantId, operationId);
    }
  }

  private static void refuseHeld(UUID tenantId, Optional<TenantOperations.Held> held, String then) {
    if (held.isPresent()) {
      throw StepFailure.busy(tenantId, held.get(), then);
    }
  }
}
