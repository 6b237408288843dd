package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.UUID;

/**
 * The claim an operation holds on a tenant ({@code tenants.operation}) while it runs: backup,
 * restore and move claim and release it. The activity type names ({@code claim_operation}, {@code
 * release_operation}) are in running workflows' histories and stay as they are; {@link
 * BackupActivities} extends this interface, so the workflows that call them on a backup stub keep
 * working.
 */
@ActivityInterface
public interface TenantOperationActivities {

  /**
   * Claims the tenant for an operation ({@code BACKING_UP}, {@code RESTORING}, {@code MOVING});
   * fails non-retryably naming the operation that holds it already. A second claim by the same
   * operation id holds it still.
   */
  @ActivityMethod(name = "claim_operation")
  void claimOperation(UUID tenantId, String operation, String operationId);

  /** Ends the operation (and any write hold); releasing twice is fine. */
  @ActivityMethod(name = "release_operation")
  void releaseOperation(UUID tenantId, String operationId);
}
