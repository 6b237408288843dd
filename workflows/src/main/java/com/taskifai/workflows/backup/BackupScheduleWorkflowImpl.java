package com.taskifai.workflows.backup;

import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;

/** One period per run: timer, child backup, retention, continue-as-new (history stays small). */
public class BackupScheduleWorkflowImpl implements BackupScheduleWorkflow {
  private static final Logger log = Workflow.getLogger(BackupScheduleWorkflowImpl.class);

  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);

  @Override
  public void run(ScheduleRequest request) {
    long now = Workflow.currentTimeMillis() / 1000;
    long period = Math.max(1, request.periodSeconds());
    long offset = Math.floorMod(request.offsetSeconds(), period);
    long next = now - Math.floorMod(now, period) + offset;
    if (next <= now) {
      next += period;
    }
    Workflow.sleep(Duration.ofSeconds(next - now));
    UUID backupId = Workflow.randomUUID();
    BackupTenantWorkflow child =
        Workflow.newChildWorkflowStub(
            BackupTenantWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(BackupTenantWorkflow.workflowId(request.tenantId(), backupId))
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .build());
    try {
      child.backup(
          new BackupTenantWorkflow.BackupRequest(
              request.tenantId(), backupId, "scheduled", "schedule"));
    } catch (ChildWorkflowFailure e) {
      // Recorded as a FAILED backup; the metric of the newest good backup's age raises the alarm.
      log.warn("tenant {}: scheduled backup failed", request.tenantId());
    }
    backups.applyRetention(request.tenantId(), request.retentionDays(), request.keepNewest());
    if (request.runs() == 1) {
      return;
    }
    Workflow.continueAsNew(
        new ScheduleRequest(
            request.tenantId(),
            request.offsetSeconds(),
            request.periodSeconds(),
            request.retentionDays(),
            request.keepNewest(),
            Math.max(0, request.runs() - 1)));
  }
}
