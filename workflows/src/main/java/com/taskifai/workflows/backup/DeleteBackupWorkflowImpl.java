package com.taskifai.workflows.backup;

import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.workflow.Workflow;
import java.util.UUID;

public class DeleteBackupWorkflowImpl implements DeleteBackupWorkflow {
  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);

  @Override
  public void delete(UUID tenantId, UUID backupId, String actor) {
    backups.deleteBackup(tenantId, backupId);
  }
}
