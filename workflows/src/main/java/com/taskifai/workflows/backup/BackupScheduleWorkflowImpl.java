package com.taskifai.workflows.backup;

import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** One period per run: timer, child backup, retention, continue-as-new (history stays small). */
public class BackupScheduleWorkflowImpl implements BackupScheduleWorkflow {
  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);

  @Override
  public void run(ScheduleRequest request) {
    long nowMillis = Workflow.currentTimeMillis();
    long now = nowMillis / 1000;
    long period = Math.max(1, request.periodSeconds());
    long offset = Math.floorMod(request.offsetSeconds(), period);
    long next = now - Math.floorMod(now, period) + offset;
    if (next <= now) {
      next += period;
    }
    // To the millisecond: a sleep of whole seconds from a moment part-way through a second woke up
    // to that fraction after the slot, and a backup starting then could fall in the next second.
    Workflow.sleep(Duration.ofMillis(next * 1000 - nowMillis));
    ScheduledBackupWorkflowImpl.backupOnce(
        backups,
        new ScheduledBackupWorkflow.ScheduledBackupRequest(
            request.tenantId(), request.retentionDays(), request.keepNewest()));
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
