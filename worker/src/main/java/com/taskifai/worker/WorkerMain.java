package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.settings.PlatformSettings;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.settings.Settings;
import com.taskifai.registry.tracing.PlatformTracing;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.client.TemporalConnection;
import com.taskifai.workflows.client.TemporalTracing;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker as its own process ({@code java -jar worker-…-exec.jar}). Configuration from the
 * environment: the Temporal connection ({@link TemporalConnection}: {@code
 * TASKIFAI_TEMPORAL_TARGET}, {@code _NAMESPACE}, TLS and API key), {@code
 * TASKIFAI_TEMPORAL_EMBEDDED} (true when the target is the SDK's test server), {@code
 * TASKIFAI_WORKER_MANAGEMENT_PORT} (health endpoints, default 8082; {@code
 * TASKIFAI_WORKER_MANAGEMENT_ADDRESS} binds them to one address, default every interface), and
 * whatever {@link PlatformActivities#fromEnvironment} reads (platform database, master keys, SMTP,
 * DNS). Unless {@code TASKIFAI_ENV=dev} it first runs {@link ProductionSettings#check}. SIGTERM
 * stops polling, lets running tasks finish, then exits. {@code TASKIFAI_FAULT_INJECTION} (true
 * registers the fault-injection interceptor); {@code TASKIFAI_WORKER_HEARTBEAT_TIMEOUT} (unset;
 * tests that kill the worker set it: the longest heartbeat timeout of an activity its workflows
 * schedule); {@code TASKIFAI_LOG_LEVEL} sets the root log level (INFO); each activity's log lines
 * name its tenant, workflow and activity.
 */
public final class WorkerMain {
  /** The worker's log format, with the log context keys; see the file. */
  static final String LOG_CONFIG = "taskifai-worker-logback.xml";

  static {
    // Before the first logger: the worker's own log format unless the operator names another.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOG_CONFIG);
    }
  }

  /** Printed to standard output once the worker polls, for scripts and tests that wait on it. */
  static final String READY = "taskifai worker polling";

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    Logger log = LoggerFactory.getLogger(WorkerMain.class);
    Map<String, String> env = System.getenv();
    try {
      ProductionSettings.check(env, ProductionSettings.Process.WORKER);
    } catch (IllegalStateException e) {
      log.error("{}", e.getMessage());
      System.err.println(e.getMessage());
      System.exit(2);
    }
    TemporalConnection temporal = TemporalConnection.fromEnvironment(env);
    // System properties over the environment, with Spring Boot's relaxed names.
    Settings settings = Settings.of(env, System.getProperties());
    WorkerSettings own = settings.bind(WorkerSettings.class);
    boolean embedded = own.temporal().embedded();
    int managementPort = own.worker().managementPort();

    // The SDK's metrics (temporal_*), reported into the registry /actuator/prometheus serves.
    PrometheusMeterRegistry metrics = WorkerHealth.newRegistry();
    Scope sdkMetrics =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(metrics))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder(temporal.serviceOptions())
                .setMetricsScope(sdkMetrics)
                .build());
    // Traces: off (no-op) unless OTEL_TRACES_EXPORTER names an exporter.
    io.opentelemetry.api.OpenTelemetry tracing =
        PlatformTracing.fromEnvironment(env, "taskifai-worker");
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, TemporalTracing.clientOptions(temporal.clientOptions(), tracing));
    PlatformActivities activities = PlatformActivities.fromSettings(env, settings, tracing);
    if (ProductionSettings.isProduction(env)) {
      // Servers registered before production refused weak TLS, or by a dev process, are not
      // refused here (that would stop every tenant operation), but each is named at every start.
      for (String problem : activities.databaseServerTlsProblems()) {
        log.error("database server TLS: {}", problem);
      }
    }
    PlatformWorker worker =
        PlatformWorker.create(
            client,
            activities.implementations(),
            PlatformWorker.interceptors(
                activities,
                settings.bind(PlatformSettings.class).faultInjection(),
                tracing,
                own.worker().heartbeatTimeout()),
            embedded);
    String managementAddress = env.get("TASKIFAI_WORKER_MANAGEMENT_ADDRESS");
    WorkerHealth health =
        WorkerHealth.start(
            managementAddress == null || managementAddress.isBlank()
                ? new InetSocketAddress(managementPort)
                : new InetSocketAddress(managementAddress.strip(), managementPort),
            worker,
            metrics);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("worker stopping: no new tasks, waiting for running ones");
                  health.stopping();
                  worker.close();
                  activities.close();
                  service.shutdown();
                  try {
                    sdkMetrics.close();
                  } catch (com.uber.m3.tally.ScopeCloseException e) {
                    log.warn("closing the SDK metrics: {}", e.toString());
                  }
                  health.close();
                  log.info("worker stopped");
                  stopped.countDown();
                },
                "taskifai-worker-shutdown"));
    try {
      worker.start();
    } catch (RuntimeException e) {
      // Temporal did not answer (the namespace check): exit, so a supervisor starts the worker
      // again, rather than stay up without polling.
      log.error("worker cannot start polling: {}", e.toString());
      System.exit(1);
    }
    log.info(
        "worker polling {} on {} ({}); health on :{}",
        TaskQueues.PLATFORM,
        temporal,
        embedded ? "embedded test server" : "server",
        health.port());
    log.info("traces: {}", PlatformTracing.describe(env));
    var backups = activities.backups().checkClient();
    if (backups.enabled()) {
      log.info("backups: {} (servers {})", backups.detail(), backups.serverMajors());
    } else {
      log.error("*** BACKUPS DISABLED *** {}", backups.detail());
    }
    // Bound before the first pass: a bad value stops the start with the setting's name.
    var exportRetention = com.taskifai.activities.backup.ExportRetentionSettings.from(settings);
    new BackupSchedules(
            client,
            activities.backups(),
            com.taskifai.activities.backup.BackupSettings.from(settings),
            com.taskifai.activities.backup.BackupScheduler.Mechanism.fromEnvironment(env),
            java.time.Duration.ofDays(1))
        .withExportRetention(() -> activities.exports().expireExports(exportRetention))
        .startHourly();
    new com.taskifai.worker.BaseBackupSchedules(
            client, activities.pitr(), java.time.Duration.ofDays(1))
        .startHourly();
    new TenantExportStarter(
            client, activities.exports().registry(), TenantExportStarter.linkTtl(env))
        .startEvery(java.time.Duration.ofSeconds(5));
    System.out.println(READY);
    System.out.flush();
    stopped.await();
  }
}
