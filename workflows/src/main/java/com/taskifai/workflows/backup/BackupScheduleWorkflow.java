package com.taskifai.workflows.backup;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * The daily backup of one tenant as a durable timer: sleep until the tenant's slot of the day, back
 * up (a child {@link BackupTenantWorkflow}), apply retention, continue as new. Used where Temporal
 * Schedules are not available (the embedded test server); on a real server a Temporal Schedule
 * starts {@link BackupTenantWorkflow} instead.
 */
@WorkflowInterface
public interface BackupScheduleWorkflow {

  static String workflowId(UUID tenantId) {
    return WorkflowIds.backupSchedule(tenantId);
  }

  /**
   * @param offsetSeconds when in the day (UTC) the tenant's backup runs, seconds after midnight
   * @param periodSeconds the period (a day; shorter in tests)
   * @param retentionDays how long backups are kept
   * @param keepNewest how many newest good backups retention always keeps
   * @param runs how many backups to take before ending (0: for ever)
   */
  record ScheduleRequest(
      UUID tenantId,
      long offsetSeconds,
      long periodSeconds,
      long retentionDays,
      int keepNewest,
      int runs) {}

  @WorkflowMethod
  void run(ScheduleRequest request);

  /** A spread-out slot in the day for a tenant: its id hashed onto the seconds of a day. */
  static long slotOf(UUID tenantId) {
    return Math.floorMod(
        tenantId.getLeastSignificantBits() ^ tenantId.getMostSignificantBits(), 86_400L);
  }
}
