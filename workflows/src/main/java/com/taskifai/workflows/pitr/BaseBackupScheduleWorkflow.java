package com.taskifai.workflows.pitr;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The base backups of one database server's WAL archive as a durable timer: back up, sleep a
 * period, continue as new. One per archiving server ({@link #workflowId}); the retention window is
 * pgBackRest's own {@code expire}, run after each backup.
 */
@WorkflowInterface
public interface BaseBackupScheduleWorkflow {

  static String workflowId(String serverId) {
    return WorkflowIds.baseBackupSchedule(serverId);
  }

  /**
   * @param periodSeconds the time between two base backups (a day; shorter in tests)
   * @param runs how many backups to take before ending (0: for ever)
   */
  record ScheduleRequest(String serverId, long periodSeconds, int runs) {}

  @WorkflowMethod
  void run(ScheduleRequest request);
}
