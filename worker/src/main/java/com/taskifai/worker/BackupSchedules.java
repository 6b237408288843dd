package com.taskifai.worker;

import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every ACTIVE or SUSPENDED tenant has its daily backup schedule ({@link
 * BackupScheduleWorkflow}, one per tenant, id {@code tenant-backup-schedule-<tenant>}): at worker
 * start and then every hour, so a tenant activated since gets one within the hour. Starting a
 * schedule that runs already is a no-op, so several workers may do this at once.
 */
public final class BackupSchedules implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupSchedules.class);
  private static final long DAY_SECONDS = 86_400;

  private final WorkflowClient client;
  private final BackupActivities backups;
  private final BackupSettings settings;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-backup-schedules");
            t.setDaemon(true);
            return t;
          });

  public BackupSchedules(WorkflowClient client, BackupActivities backups, BackupSettings settings) {
    this.client = client;
    this.backups = backups;
    this.settings = settings;
  }

  /** Ensures the schedules now and every hour. */
  public BackupSchedules startHourly() {
    timer.scheduleWithFixedDelay(this::ensureQuietly, 0, 1, TimeUnit.HOURS);
    return this;
  }

  private void ensureQuietly() {
    try {
      ensure();
    } catch (RuntimeException e) {
      log.warn("backup schedules not ensured: {}", e.getMessage());
    }
  }

  /**
   * Starts the schedule of every tenant that has none running.
   *
   * @return how many were started
   */
  public int ensure() {
    expireDeletedTenantBackups();
    int started = 0;
    for (UUID tenant : backups.backupTenants()) {
      BackupScheduleWorkflow stub =
          client.newWorkflowStub(
              BackupScheduleWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(BackupScheduleWorkflow.workflowId(tenant))
                  .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                  .build());
      try {
        WorkflowClient.start(
            stub::run,
            new BackupScheduleWorkflow.ScheduleRequest(
                tenant,
                BackupScheduleWorkflow.slotOf(tenant),
                DAY_SECONDS,
                settings.retention().toDays(),
                settings.keepNewest(),
                0));
        started++;
      } catch (WorkflowExecutionAlreadyStarted running) {
        // scheduled already
      }
    }
    if (started > 0) {
      log.info("started {} daily backup schedules", started);
    }
    return started;
  }

  /**
   * Deletes the backups of DELETED tenants that retention expires (the final backup after {@code
   * TASKIFAI_BACKUP_FINAL_RETENTION}); their schedules have stopped, so this runs here.
   */
  public List<UUID> expireDeletedTenantBackups() {
    try {
      return backups.expireDeletedTenantBackups(
          settings.finalRetention().toDays(), settings.retention().toDays());
    } catch (RuntimeException e) {
      log.warn("backups of deleted tenants not expired: {}", e.getMessage());
      return List.of();
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
