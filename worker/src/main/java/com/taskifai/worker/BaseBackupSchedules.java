package com.taskifai.worker;

import com.taskifai.workflows.pitr.BaseBackupScheduleWorkflow;
import com.taskifai.workflows.ports.PitrActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every database server with a recorded WAL archive has its base-backup loop ({@link
 * BaseBackupScheduleWorkflow}, {@code server-base-backup-<server>}): at worker start and then every
 * hour. Starting one that runs is refused by Temporal and ignored, so several workers may do this
 * at once.
 */
public final class BaseBackupSchedules implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BaseBackupSchedules.class);

  private final WorkflowClient client;
  private final PitrActivities pitr;
  private final Duration period;
  private final HourlyEnsure hourly =
      new HourlyEnsure("taskifai-base-backup-schedules", "base-backup schedules");

  /**
   * @param period the time between two base backups of a server (a day; tests shorten it)
   */
  public BaseBackupSchedules(WorkflowClient client, PitrActivities pitr, Duration period) {
    this.client = client;
    this.pitr = pitr;
    this.period = period;
  }

  /** Ensures the loops now and every hour. */
  public BaseBackupSchedules startHourly() {
    hourly.start(this::ensure);
    return this;
  }

  /**
   * Starts the loop of every archiving server that lacks one.
   *
   * @return how many were started
   */
  public int ensure() {
    int started = 0;
    for (String serverId : pitr.archivingServers()) {
      BaseBackupScheduleWorkflow stub =
          client.newWorkflowStub(
              BaseBackupScheduleWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(BaseBackupScheduleWorkflow.workflowId(serverId))
                  .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                  .build());
      try {
        WorkflowClient.start(
            stub::run,
            new BaseBackupScheduleWorkflow.ScheduleRequest(serverId, period.toSeconds(), 0));
        started++;
      } catch (WorkflowExecutionAlreadyStarted running) {
        // Its loop runs.
      }
    }
    if (started > 0) {
      log.info("started {} base-backup loop(s)", started);
    }
    return started;
  }

  @Override
  public void close() {
    hourly.close();
  }
}
