package com.taskifai.workflows.backup;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/** Deletes one backup from the store and marks it DELETED (the machinery retention uses too). */
@WorkflowInterface
public interface DeleteBackupWorkflow {

  static String workflowId(UUID tenantId, UUID backupId) {
    return WorkflowIds.deleteBackup(tenantId, backupId);
  }

  @WorkflowMethod
  void delete(UUID tenantId, UUID backupId, String actor);
}
