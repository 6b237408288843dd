package com.taskifai.launcher;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.dev.MailOutbox;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.settings.Settings;
import com.taskifai.routing.RoutingRuntimeApplication;
import com.taskifai.worker.PlatformWorker;
import com.taskifai.workflows.client.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The platform's own processes inside the dev JVM: the Temporal worker, the admin API (one Spring
 * context) and the routing runtime (another), configured from one environment map.
 */
final class PlatformProcesses implements AutoCloseable {
  private final WorkflowServiceStubs service;
  private final PlatformActivities activities;
  private final PlatformWorker worker;
  private final ConfigurableApplicationContext api;
  private final ConfigurableApplicationContext router;
  private final io.opentelemetry.api.OpenTelemetry tracing;

  private PlatformProcesses(
      WorkflowServiceStubs service,
      PlatformActivities activities,
      PlatformWorker worker,
      ConfigurableApplicationContext api,
      ConfigurableApplicationContext router,
      io.opentelemetry.api.OpenTelemetry tracing) {
    this.tracing = tracing;
    this.service = service;
    this.activities = activities;
    this.worker = worker;
    this.api = api;
    this.router = router;
  }

  static PlatformProcesses start(
      Map<String, String> env,
      KeyRing keys,
      MailOutbox outbox,
      int adminPort,
      int routerPort,
      boolean embeddedTemporal) {
    String target = env.get("TASKIFAI_TEMPORAL_TARGET");
    TemporalConnection temporal = TemporalConnection.fromEnvironment(env);
    WorkflowServiceStubs service = temporal.connect();
    // Traces: off (no-op) unless OTEL_TRACES_EXPORTER names an exporter.
    io.opentelemetry.api.OpenTelemetry tracing =
        com.taskifai.registry.tracing.PlatformTracing.fromEnvironment(env, "taskifai-worker");
    WorkflowClient client =
        WorkflowClient.newInstance(
            service,
            com.taskifai.workflows.client.TemporalTracing.clientOptions(
                temporal.clientOptions(), tracing));
    PlatformActivities activities = PlatformActivities.fromEnvironment(env, tracing);
    PlatformWorker worker =
        PlatformWorker.create(
            client,
            activities.implementations(),
            PlatformWorker.interceptors(activities, PlatformWorker.faultInjection(env), tracing),
            embeddedTemporal);
    worker.start();
    var exportRetention =
        com.taskifai.activities.backup.ExportRetentionSettings.from(Settings.of(env));
    new com.taskifai.worker.BackupSchedules(
            client,
            activities.backups(),
            com.taskifai.activities.backup.BackupSettings.fromEnvironment(env),
            com.taskifai.activities.backup.BackupScheduler.Mechanism.fromEnvironment(env),
            java.time.Duration.ofDays(1))
        .withExportRetention(() -> activities.exports().expireExports(exportRetention))
        .startHourly();
    new com.taskifai.worker.BaseBackupSchedules(
            client, activities.pitr(), java.time.Duration.ofDays(1))
        .startHourly();
    new com.taskifai.worker.TenantExportStarter(
            client,
            activities.exports().registry(),
            com.taskifai.worker.TenantExportStarter.linkTtl(env))
        .startEvery(java.time.Duration.ofSeconds(5));

    Map<String, Object> common = new HashMap<>();
    // Dev processes (DevPlatform says so): the production checks are on unless told otherwise.
    common.put("taskifai.env", env.get(ProductionSettings.ENV));
    common.put("taskifai.db.url", env.get("TASKIFAI_DB_URL"));
    common.put("taskifai.db.username", env.get("TASKIFAI_DB_USER"));
    common.put("taskifai.db.password", env.get("TASKIFAI_DB_PASSWORD"));
    if (env.get(KeyRing.ENV_KEYS) != null) {
      common.put("taskifai.master-keys", env.get(KeyRing.ENV_KEYS));
    } else {
      common.put("taskifai.master-keys-file", env.get(KeyRing.ENV_KEYS_FILE));
    }
    common.put("taskifai.base-domain", env.get("TASKIFAI_BASE_DOMAIN"));
    common.put("spring.flyway.enabled", "false");
    common.put("spring.main.banner-mode", "off");
    // The dev platform's HTTP listeners bind to TASKIFAI_DEV_BIND (127.0.0.1 by default).
    common.put("server.address", env.get(DevPlatform.DEV_BIND));
    // One JVM logs for the worker and both apps: its lines show every log context key.
    common.put(
        "logging.pattern.correlation",
        "[tenant=%X{tenant_id:-} req=%X{request_id:-} actor=%X{actor:-}"
            + " wf=%X{workflow_id:-} activity=%X{activity_id:-}] ");
    // The cost report's prices and sampling, the routers' usage writes: as the properties their
    // environment names bind (TASKIFAI_COST_* are aliases of taskifai.costs.*).
    env.forEach(
        (k, v) -> {
          String property = Settings.ENV_ALIASES.get(k);
          if (property != null && property.startsWith("taskifai.costs.")) {
            common.put(property, v);
          }
        });
    common.put("taskifai.usage.flush-interval", env.get("TASKIFAI_USAGE_FLUSH_INTERVAL"));
    if (env.get("TASKIFAI_LOG_LEVEL") != null) {
      common.put("logging.level.root", env.get("TASKIFAI_LOG_LEVEL"));
    }

    Map<String, Object> apiProps = new HashMap<>(common);
    apiProps.putAll(traceSettings(env, "api"));
    // The portal links each workflow to its trace in the dev trace viewer, when one runs.
    apiProps.put("taskifai.traces.url", env.getOrDefault(TraceViewer.TRACES_URL, ""));
    apiProps.put("server.port", adminPort);
    apiProps.put("management.server.port", env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT"));
    apiProps.put("taskifai.temporal.target", target);
    apiProps.put("taskifai.temporal.namespace", temporal.namespace());
    apiProps.put("taskifai.temporal.ui-url", env.getOrDefault("TASKIFAI_TEMPORAL_UI_URL", ""));
    apiProps.put("taskifai.temporal.search-attributes", Boolean.toString(!embeddedTemporal));
    apiProps.put("taskifai.admin-url", env.get("TASKIFAI_ADMIN_URL"));
    apiProps.put("taskifai.router-url", env.get("TASKIFAI_ROUTER_URL"));
    apiProps.put("taskifai.admin-jwt-secret", env.get("TASKIFAI_ADMIN_JWT_SECRET"));
    // Unset ones (null) are left out: their records hold the defaults.
    apiProps.put("taskifai.fault-injection", env.get("TASKIFAI_FAULT_INJECTION"));
    apiProps.put("taskifai.verification-timeout", env.get("TASKIFAI_VERIFICATION_TIMEOUT"));
    // How often the backup and WAL archiving gauges read again (tests shorten them).
    apiProps.put("taskifai.backup-metrics-refresh", env.get("TASKIFAI_BACKUP_METRICS_REFRESH"));
    apiProps.put(
        "taskifai.archiving-metrics-refresh", env.get("TASKIFAI_ARCHIVING_METRICS_REFRESH"));
    // The admin API streams export downloads from the store the worker writes: the same settings
    // (unset ones, null, are left out and keep their defaults).
    for (String[] backup :
        new String[][] {
          {"TASKIFAI_BACKUP_STORE", "taskifai.backup.store"},
          {"TASKIFAI_BACKUP_DIR", "taskifai.backup.dir"},
          {"TASKIFAI_BACKUP_S3_ENDPOINT", "taskifai.backup.s3.endpoint"},
          {"TASKIFAI_BACKUP_S3_REGION", "taskifai.backup.s3.region"},
          {"TASKIFAI_BACKUP_S3_BUCKET", "taskifai.backup.s3.bucket"},
          {"TASKIFAI_BACKUP_S3_PREFIX", "taskifai.backup.s3.prefix"},
          {"TASKIFAI_BACKUP_S3_PATH_STYLE", "taskifai.backup.s3.path-style"},
          {"TASKIFAI_BACKUP_S3_PART_BYTES", "taskifai.backup.s3.part-bytes"}
        }) {
      apiProps.put(backup[1], env.get(backup[0]));
    }
    apiProps.put("taskifai.export-link-ttl", env.get("TASKIFAI_EXPORT_LINK_TTL"));
    apiProps.put("taskifai.import-source-hosts", env.get("TASKIFAI_IMPORT_SOURCE_HOSTS"));
    apiProps.put("taskifai.dev", "true");
    // The in-process Temporal server forgets its workflows on restart; the registry does not.
    apiProps.put("taskifai.recover-workflows", "true");
    SpringApplicationBuilder apiBuilder = new SpringApplicationBuilder(AdminApiApplication.class);
    if (outbox != null) {
      apiBuilder.initializers(
          ctx -> ((GenericApplicationContext) ctx).registerBean(MailOutbox.class, () -> outbox));
    }
    ConfigurableApplicationContext api = apiBuilder.run(arguments(apiProps));

    Map<String, Object> routerProps = new HashMap<>(common);
    routerProps.putAll(traceSettings(env, "router"));
    routerProps.put("server.port", routerPort);
    routerProps.put("management.server.port", env.get("TASKIFAI_ROUTER_MANAGEMENT_PORT"));
    routerProps.put("taskifai.tenant-jwt-secret", env.get("TASKIFAI_TENANT_JWT_SECRET"));
    // The tenant admin's export link (GET /api/export/{id}) points at this platform's admin API.
    routerProps.put("taskifai.admin-url", env.get("TASKIFAI_ADMIN_URL"));
    ConfigurableApplicationContext router =
        new SpringApplicationBuilder(RoutingRuntimeApplication.class).run(arguments(routerProps));
    return new PlatformProcesses(service, activities, worker, api, router, tracing);
  }

  /**
   * The {@code OTEL_*} settings of an app in this JVM, which it reads as properties (its
   * environment is the launcher's): those of {@code env}, under the app's own service name unless
   * {@code env} names one for all; none when traces are off.
   */
  static Map<String, String> traceSettings(Map<String, String> env, String role) {
    Map<String, String> otel = new HashMap<>();
    if (!com.taskifai.registry.tracing.PlatformTracing.configured(env)) {
      return otel;
    }
    env.forEach(
        (k, v) -> {
          if (k.startsWith("OTEL_") && v != null) {
            otel.put(k, v);
          }
        });
    otel.putIfAbsent("OTEL_SERVICE_NAME", TraceViewer.serviceOf(role));
    return otel;
  }

  /**
   * Settings as command-line arguments: those outrank every property file of the application,
   * whereas builder "default properties" lose to them.
   */
  private static String[] arguments(Map<String, Object> properties) {
    return properties.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  /** Creates (or updates) the dev platform admin. */
  void createDevAdmin(String email, String password, String totpSecret) {
    api.getBean(AdminAccounts.class).createOrUpdate(email, password, totpSecret);
  }

  @Override
  public void close() {
    router.close();
    api.close();
    worker.close();
    activities.close();
    service.shutdown();
    if (tracing instanceof java.io.Closeable sdk) {
      // The worker's last spans go out before the trace viewer stops.
      try {
        sdk.close();
      } catch (java.io.IOException e) {
        // Spans lost at shutdown are no reason to fail it.
      }
    }
  }
}
