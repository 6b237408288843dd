package com.taskifai.workflows.backup;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * Restores a backup into a new database on the tenant's server, checks it, and either swaps it in
 * ({@code replace}: the old database is kept for the grace period, then dropped) or keeps it beside
 * the tenant's for inspection ({@code copy}: dropped after the grace period).
 */
@WorkflowInterface
public interface RestoreTenantWorkflow {

  /** The workflow id of a restore: names the tenant, the backup and the restore. */
  static String workflowId(UUID tenantId, UUID backupId, String restoreId) {
    return WorkflowIds.restore(tenantId, backupId, restoreId);
  }

  /** What the workflow id of every restore of the tenant starts with. */
  static String idPrefix(UUID tenantId) {
    return WorkflowIds.restorePrefix(tenantId);
  }

  /** The request. {@code graceSeconds} is how long the retired (or copied) database is kept. */
  record RestoreRequest(
      UUID tenantId,
      UUID backupId,
      String restoreId,
      String mode,
      long graceSeconds,
      String actor) {}

  /** Where a restore is: step name, the new database, the retired one, and the outcome so far. */
  record RestoreProgress(
      String step, String newDatabase, String retiredDatabase, String outcome, String error) {}

  /**
   * @return {@code SWAPPED} or {@code COPIED} once the database is retired or dropped
   */
  @WorkflowMethod
  String restore(RestoreRequest request);

  @QueryMethod
  RestoreProgress progress();

  /** Cuts the grace period short: the retired (or copied) database is dropped now. */
  @SignalMethod
  void retireNow();
}
