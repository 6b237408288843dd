package com.taskifai.workflows.backup;

import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.util.UUID;
import org.slf4j.Logger;

/** Backs up once (a child workflow) and applies retention, whether the backup worked or not. */
public class ScheduledBackupWorkflowImpl implements ScheduledBackupWorkflow {
  private static final Logger log = Workflow.getLogger(ScheduledBackupWorkflowImpl.class);

  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);

  @Override
  public String run(ScheduledBackupRequest request) {
    return backupOnce(backups, request);
  }

  /** The step both the schedule's runs and the timer loop take. */
  static String backupOnce(BackupActivities backups, ScheduledBackupRequest request) {
    UUID backupId = Workflow.randomUUID();
    BackupTenantWorkflow child =
        Workflow.newChildWorkflowStub(
            BackupTenantWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(BackupTenantWorkflow.workflowId(request.tenantId(), backupId))
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .build());
    String good = null;
    try {
      good =
          child.backup(
              new BackupTenantWorkflow.BackupRequest(
                  request.tenantId(), backupId, "scheduled", "schedule"));
    } catch (ChildWorkflowFailure e) {
      // Recorded as a FAILED backup; the metric of the newest good backup's age raises the alarm.
      log.warn("tenant {}: scheduled backup failed", request.tenantId());
    }
    backups.applyRetention(request.tenantId(), request.retentionDays(), request.keepNewest());
    return good;
  }
}
