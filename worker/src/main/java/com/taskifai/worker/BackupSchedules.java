package com.taskifai.worker;

import com.taskifai.activities.backup.BackupScheduler;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every ACTIVE or SUSPENDED tenant has its daily backup: at worker start and then every
 * hour, so a tenant activated since gets one within the hour. On a Temporal server with schedules a
 * Temporal Schedule per tenant ({@code tenant-backup-daily-<tenant>}, created or updated in place);
 * on the embedded test server (no schedules) the durable timer loop {@link BackupScheduleWorkflow}
 * ({@code tenant-backup-schedule-<tenant>}). {@link BackupScheduler.Mechanism} chooses ({@code
 * TASKIFAI_BACKUP_SCHEDULE_MECHANISM}, default auto: asks the server). Creating either one is
 * idempotent, so several workers may do this at once; offboarding removes both.
 */
public final class BackupSchedules implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupSchedules.class);

  private final BackupActivities backups;
  private final BackupSettings settings;
  private final BackupScheduler scheduler;
  private final BackupScheduler.Mechanism mechanism;
  private volatile String chosen;
  private volatile Supplier<List<UUID>> exportRetention = List::of;
  private final HourlyEnsure hourly =
      new HourlyEnsure("taskifai-backup-schedules", "backup schedules");

  public BackupSchedules(WorkflowClient client, BackupActivities backups, BackupSettings settings) {
    this(client, backups, settings, BackupScheduler.Mechanism.AUTO, Duration.ofDays(1));
  }

  /**
   * @param mechanism how the daily backups are driven
   * @param period the time between two backups of a tenant (a day; tests shorten it)
   */
  public BackupSchedules(
      WorkflowClient client,
      BackupActivities backups,
      BackupSettings settings,
      BackupScheduler.Mechanism mechanism,
      Duration period) {
    this.backups = backups;
    this.settings = settings;
    this.scheduler = new BackupScheduler(client, period);
    this.mechanism = mechanism;
  }

  /**
   * Deletes expired exports in the same hourly pass ({@code ExportActivitiesImpl#expireExports}),
   * beside the expiry of deleted tenants' backups.
   */
  public BackupSchedules withExportRetention(Supplier<List<UUID>> retention) {
    this.exportRetention = retention;
    return this;
  }

  /** Ensures the schedules now and every hour. */
  public BackupSchedules startHourly() {
    if (mechanism == BackupScheduler.Mechanism.OFF) {
      log.warn("daily backups off ({}=off): backups only on demand", BackupScheduler.ENV);
    }
    hourly.start(this::ensure);
    return this;
  }

  /**
   * The mechanism in use: {@code schedule}, {@code timer} or {@code off}; with {@code auto}, asks
   * the server the first time.
   */
  public String mechanism() {
    String c = chosen;
    if (c == null) {
      c =
          switch (mechanism) {
            case SCHEDULE -> "schedule";
            case TIMER -> "timer";
            case OFF -> "off";
            case AUTO -> scheduler.serverHasSchedules() ? "schedule" : "timer";
          };
      chosen = c;
      log.info("daily backups by {}", c.equals("schedule") ? "Temporal Schedules" : c);
    }
    return c;
  }

  /**
   * Creates (or updates) the daily backup of every tenant that gets one.
   *
   * @return how many were started, created or changed
   */
  public int ensure() {
    expireDeletedTenantBackups();
    expireExports();
    String how = mechanism();
    if (how.equals("off")) {
      return 0;
    }
    long retentionDays = settings.retention().toDays();
    int started = 0;
    for (UUID tenant : backups.backupTenants()) {
      boolean changed =
          how.equals("schedule")
              ? scheduler.ensureSchedule(tenant, retentionDays, settings.keepNewest())
              : scheduler.ensureLoop(tenant, retentionDays, settings.keepNewest());
      if (changed) {
        started++;
      }
    }
    if (started > 0) {
      log.info("created or updated {} daily backup {}s", started, how);
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

  /**
   * Deletes the exports whose link expired more than the grace ago (the final copy of an
   * offboarding after its own, longer window) from the store and marks them DELETED.
   */
  public List<UUID> expireExports() {
    try {
      return exportRetention.get();
    } catch (RuntimeException e) {
      log.warn("expired exports not deleted: {}", e.getMessage());
      return List.of();
    }
  }

  @Override
  public void close() {
    hourly.close();
  }
}
