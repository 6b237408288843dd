package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.activities.backup.BackupScheduler;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.registry.settings.PlatformSettings;
import com.taskifai.registry.settings.Settings;
import io.opentelemetry.api.OpenTelemetry;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * The worker's composition root: the activities ({@link PlatformActivities#fromSettings}), the
 * worker that polls for them with its interceptors, and the schedules the worker keeps (daily
 * backups, base backups of the WAL archives, the tenant exports' starter), each wired here and
 * nowhere else. The worker process ({@link WorkerMain}) and the dev platform's worker in its own
 * JVM both start from here.
 */
public final class WorkerComposition implements AutoCloseable {
  private final WorkflowClient client;
  private final Map<String, String> env;
  private final Settings settings;
  private final PlatformActivities activities;
  private final PlatformWorker worker;

  private WorkerComposition(
      WorkflowClient client,
      Map<String, String> env,
      Settings settings,
      OpenTelemetry tracing,
      boolean embedded,
      Duration heartbeatTimeout) {
    this.client = client;
    this.env = env;
    this.settings = settings;
    this.activities = PlatformActivities.fromSettings(env, settings, tracing);
    try {
      this.worker =
          PlatformWorker.create(
              client,
              activities.implementations(),
              PlatformWorker.interceptors(
                  activities,
                  settings.bind(PlatformSettings.class).faultInjection(),
                  tracing,
                  heartbeatTimeout),
              embedded);
    } catch (RuntimeException e) {
      activities.close();
      throw e;
    }
  }

  /**
   * The worker process: its settings from the environment and system properties (which win), its
   * Temporal server and heartbeat cap from {@link WorkerSettings}.
   */
  public static WorkerComposition process(
      WorkflowClient client,
      Map<String, String> env,
      Properties systemProperties,
      OpenTelemetry tracing) {
    Settings settings = Settings.of(env, systemProperties);
    WorkerSettings own = settings.bind(WorkerSettings.class);
    return new WorkerComposition(
        client, env, settings, tracing, own.temporal().embedded(), own.worker().heartbeatTimeout());
  }

  /**
   * A worker inside another process (the dev platform's JVM) on {@code env} alone; {@code embedded}
   * when its Temporal server is the SDK's test server. No heartbeat cap: that is a setting of the
   * worker process that tests kill.
   */
  public static WorkerComposition inProcess(
      WorkflowClient client, Map<String, String> env, OpenTelemetry tracing, boolean embedded) {
    return new WorkerComposition(client, env, Settings.of(env), tracing, embedded, null);
  }

  /** The settings the worker was wired from. */
  public Settings settings() {
    return settings;
  }

  public PlatformActivities activities() {
    return activities;
  }

  public PlatformWorker worker() {
    return worker;
  }

  /** Starts polling; throws when Temporal does not answer. */
  public void start() {
    worker.start();
  }

  /**
   * Starts the schedules the worker keeps: daily backups (by the mechanism {@code
   * TASKIFAI_BACKUP_SCHEDULE_MECHANISM} names), base backups of the WAL archives, and the starter
   * of requested tenant exports.
   */
  public void startSchedules() {
    // Bound before the first pass: a bad value stops the start with the setting's name.
    var exportRetention = com.taskifai.activities.backup.ExportRetentionSettings.from(settings);
    new BackupSchedules(
            client,
            activities.backups(),
            BackupSettings.from(settings),
            BackupScheduler.Mechanism.fromEnvironment(env),
            Duration.ofDays(1))
        .withExportRetention(() -> activities.exports().expireExports(exportRetention))
        .startHourly();
    new BaseBackupSchedules(client, activities.pitr(), Duration.ofDays(1)).startHourly();
    new TenantExportStarter(
            client, activities.exports().registry(), TenantExportStarter.linkTtl(env))
        .startEvery(Duration.ofSeconds(5));
  }

  /** {@link #start()}, then {@link #startSchedules()}. */
  public void startWithSchedules() {
    start();
    startSchedules();
  }

  /** Stops polling (running tasks finish), then closes the activities' resources. */
  @Override
  public void close() {
    worker.close();
    activities.close();
  }
}
