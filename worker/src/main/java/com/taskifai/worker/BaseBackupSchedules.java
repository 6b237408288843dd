package com.taskifai.worker;

import com.taskifai.workflows.pitr.BaseBackupScheduleWorkflow;
import com.taskifai.workflows.ports.PitrActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-base-backup-schedules");
            t.setDaemon(true);
            return t;
          });

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
    timer.scheduleWithFixedDelay(this::ensureQuietly, 0, 1, TimeUnit.HOURS);
    return this;
  }

  private void ensureQuietly() {
    try {
      ensure();
    } catch (RuntimeException e) {
      log.warn("base-backup schedules not ensured: {}", e.getMessage());
    }
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
    timer.shutdownNow();
  }
}
