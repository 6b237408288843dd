package com.taskifai.workflows.backup;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * One scheduled backup of a tenant: a child {@link BackupTenantWorkflow} with a fresh backup id,
 * then retention. A tenant's Temporal Schedule ({@link #scheduleId}) starts it once a day at the
 * tenant's slot ({@link BackupScheduleWorkflow#slotOf}); the timer loop {@link
 * BackupScheduleWorkflow} does the same step where the server has no schedules.
 */
@WorkflowInterface
public interface ScheduledBackupWorkflow {

  /** The id of the tenant's Temporal Schedule. */
  static String scheduleId(UUID tenantId) {
    return WorkflowIds.dailyBackupSchedule(tenantId);
  }

  /**
   * The workflow id the schedule starts its runs under (the server appends the scheduled time, so
   * each run has an id of its own).
   */
  static String workflowId(UUID tenantId) {
    return WorkflowIds.scheduledBackup(tenantId);
  }

  /**
   * @param retentionDays how long backups are kept
   * @param keepNewest how many newest good backups retention always keeps
   */
  record ScheduledBackupRequest(UUID tenantId, long retentionDays, int keepNewest) {}

  /**
   * @return the new backup's id when it is GOOD, null when it failed (recorded FAILED; the age of
   *     the newest good backup raises the alarm)
   */
  @WorkflowMethod
  String run(ScheduledBackupRequest request);
}
