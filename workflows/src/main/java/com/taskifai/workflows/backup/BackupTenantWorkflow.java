package com.taskifai.workflows.backup;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/** Backs up one tenant database into the backup store. */
@WorkflowInterface
public interface BackupTenantWorkflow {

  /** The workflow id of a backup: names the tenant and the backup. */
  static String workflowId(UUID tenantId, UUID backupId) {
    return WorkflowIds.backup(tenantId, backupId);
  }

  /** The request: which tenant, the new backup's id, why, and who asked. */
  record BackupRequest(UUID tenantId, UUID backupId, String trigger, String actor) {}

  /**
   * @return the backup's id once it is GOOD
   */
  @WorkflowMethod
  String backup(BackupRequest request);
}
