package com.taskifai.launcher;

import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.settings.Settings;
import com.taskifai.registry.tracing.PlatformTracing;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dev platform's configuration once its servers run: the {@link DevSettings} it was given and
 * what it made (database, Temporal, SMTP, traces, secrets). It is the one place a setting is named
 * for the processes: {@link #devEnv()} renders {@code .taskifai/dev.env}, {@link #platformEnv()}
 * the environment every platform process inherits, {@link #apiProperties}/{@link #routerProperties}
 * the properties of the apps in the launcher's JVM, and {@link #children} the environment of each
 * separate process of {@code ./taskifai up}.
 *
 * @param settings what the environment said
 * @param home the dev folder
 * @param db the cluster of the platform database
 * @param temporalTarget where Temporal answers
 * @param temporalUiUrl its UI, or null
 * @param embeddedTemporal true on the SDK's in-process test server
 * @param smtpHost where mail goes
 * @param smtpPort its port
 * @param smtpServer {@code up} only: where the api process serves SMTP ({@code host:port}), or null
 * @param traces the {@code OTEL_*} settings and {@code TASKIFAI_TRACES_URL} of every process; empty
 *     when traces are off
 * @param tracesOff why traces are off (dev.env says so), or null when they are on or not asked
 * @param tenantJwtSecret the router's tenant token secret
 * @param adminJwtSecret the admin API's token secret
 * @param adminPassword the dev admin's password
 * @param adminTotp the dev admin's TOTP secret
 * @param secondServer the second embedded server, or null
 * @param demo the demo tenant's login, or null while there is none
 */
record DevConfiguration(
    DevSettings settings,
    Path home,
    DevDatabases.Database db,
    String temporalTarget,
    String temporalUiUrl,
    boolean embeddedTemporal,
    String smtpHost,
    int smtpPort,
    String smtpServer,
    Map<String, String> traces,
    String tracesOff,
    String tenantJwtSecret,
    String adminJwtSecret,
    String adminPassword,
    String adminTotp,
    DevDatabases.SecondServer secondServer,
    Demo demo) {

  /** The platform database's role. */
  static final String PLATFORM_ROLE = "taskifai_platform";

  /**
   * The demo tenant's login in dev.env.
   *
   * @param url where it answers
   * @param email its admin's login
   * @param password its admin's password
   */
  record Demo(String url, String email, String password) {}

  /** This configuration with the demo tenant's login. */
  DevConfiguration withDemo(Demo built) {
    return new DevConfiguration(
        settings,
        home,
        db,
        temporalTarget,
        temporalUiUrl,
        embeddedTemporal,
        smtpHost,
        smtpPort,
        smtpServer,
        traces,
        tracesOff,
        tenantJwtSecret,
        adminJwtSecret,
        adminPassword,
        adminTotp,
        secondServer,
        built);
  }

  /** Where this machine reaches the second router of {@code up}. */
  String router2Url() {
    return "http://localhost:" + settings.upPorts().get(DevSettings.ROUTER2_PORT);
  }

  /** Logins for people and scripts: in dev.env, never handed to a process. */
  private static final java.util.Set<String> DEV_ENV_ONLY =
      java.util.Set.of(
          "TASKIFAI_DB_ADMIN_USER",
          "TASKIFAI_DB_ADMIN_PASSWORD",
          "TASKIFAI_ADMIN_EMAIL",
          "TASKIFAI_ADMIN_PASSWORD",
          "TASKIFAI_ADMIN_TOTP_SECRET");

  /** What only the processes need: not in dev.env. */
  private static final java.util.Set<String> PROCESSES_ONLY =
      java.util.Set.of("TASKIFAI_ADMIN_JWT_SECRET", "TASKIFAI_ROUTER_PORT");

  /**
   * Every setting the platform made, by the key dev.env and the processes know it by, each named
   * once here in dev.env's order; {@link #devEnv()} and {@link #platformEnv()} take their share.
   */
  private Map<String, String> made() {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("TASKIFAI_ADMIN_URL", settings.adminUrl());
    e.put("TASKIFAI_ROUTER_URL", settings.routerUrl());
    e.put("TASKIFAI_ADMIN_MANAGEMENT_PORT", Integer.toString(settings.adminManagementPort()));
    e.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", Integer.toString(settings.routerManagementPort()));
    e.put("TASKIFAI_DB_URL", db.platformUrl());
    e.put("TASKIFAI_DB_USER", PLATFORM_ROLE);
    e.put("TASKIFAI_DB_PASSWORD", db.platformPassword());
    e.put("TASKIFAI_DB_ADMIN_USER", db.adminUser());
    e.put("TASKIFAI_DB_ADMIN_PASSWORD", db.adminPassword());
    e.put("TASKIFAI_TEMPORAL_TARGET", temporalTarget);
    if (temporalUiUrl != null) {
      // The portal links each tenant to its workflows in Temporal UI.
      e.put("TASKIFAI_TEMPORAL_UI_URL", temporalUiUrl);
    }
    e.put("TASKIFAI_SMTP_HOST", smtpHost);
    e.put("TASKIFAI_SMTP_PORT", Integer.toString(smtpPort));
    e.put("TASKIFAI_BASE_DOMAIN", settings.baseDomain());
    e.put("TASKIFAI_ADMIN_EMAIL", settings.adminEmail());
    e.put("TASKIFAI_ADMIN_PASSWORD", adminPassword);
    e.put("TASKIFAI_ADMIN_TOTP_SECRET", adminTotp);
    e.put("TASKIFAI_TENANT_JWT_SECRET", tenantJwtSecret);
    e.put("TASKIFAI_ADMIN_JWT_SECRET", adminJwtSecret);
    e.put("TASKIFAI_ROUTER_PORT", Integer.toString(settings.routerPort()));
    return e;
  }

  /** The lines of {@code .taskifai/dev.env}, in their order: a public contract of key names. */
  Map<String, String> devEnv() {
    Map<String, String> e = new LinkedHashMap<>();
    if (secondServer != null) {
      e.putAll(entries(secondServer));
    }
    made()
        .forEach(
            (key, value) -> {
              if (!PROCESSES_ONLY.contains(key)) {
                e.put(key, value);
              }
            });
    settings.upPorts().forEach((key, port) -> e.put(key, Integer.toString(port)));
    String tracesUrl = traces.get(TraceViewer.TRACES_URL);
    if (tracesUrl != null) {
      e.put(TraceViewer.TRACES_URL, tracesUrl);
    }
    if (settings.separateProcesses()) {
      e.put("TASKIFAI_ROUTER2_URL", router2Url());
    }
    if (demo != null) {
      e.put("TASKIFAI_DEMO_URL", demo.url());
      e.put("TASKIFAI_DEMO_EMAIL", demo.email());
      e.put("TASKIFAI_DEMO_PASSWORD", demo.password());
    }
    return e;
  }

  /** The second server's lines of dev.env. */
  static Map<String, String> entries(DevDatabases.SecondServer second) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("TASKIFAI_DEV_SERVER2_ID", second.id());
    e.put("TASKIFAI_DEV_SERVER2_REGION", second.region());
    e.put(DevSettings.SECOND_SERVER_VERSION, String.valueOf(second.major()));
    e.put("TASKIFAI_DEV_SERVER2_URL", second.url());
    e.put("TASKIFAI_DEV_SERVER2_ADMIN_USER", second.adminUser());
    e.put("TASKIFAI_DEV_SERVER2_ADMIN_PASSWORD", second.adminPassword());
    return e;
  }

  /** The comment lines of dev.env: why a setting is missing. */
  List<String> devEnvNotes() {
    if (tracesOff == null) {
      return List.of();
    }
    return List.of(TraceViewer.TRACES_URL + " is not set: traces " + tracesOff);
  }

  /**
   * The environment every platform process starts from: the launcher's, with what the platform made
   * on top. Every process is a dev one, so the production checks (on unless told) stay off.
   */
  Map<String, String> platformEnv() {
    Map<String, String> e = new HashMap<>(settings.environment());
    e.putAll(traces);
    made()
        .forEach(
            (key, value) -> {
              if (!DEV_ENV_ONLY.contains(key)) {
                e.put(key, value);
              }
            });
    if (!settings.masterKeysGiven()) {
      e.put(KeyRing.ENV_KEYS_FILE, keysFile().toString());
    }
    e.putIfAbsent("TASKIFAI_DNS_PROVIDER", "local");
    e.put(DevSettings.DEV_BIND, settings.bind());
    e.put(ProductionSettings.ENV, ProductionSettings.DEV);
    return e;
  }

  /** The master key file the processes read when the environment names no keys. */
  Path keysFile() {
    return home.resolve("master.keys");
  }

  // ---- the apps inside the launcher's JVM (./taskifai dev) ----------------------------------

  /** What the admin API and the router inside this JVM both get. */
  private Map<String, Object> commonProperties() {
    Map<String, String> env = platformEnv();
    Map<String, Object> common = new HashMap<>();
    common.put("taskifai.env", ProductionSettings.DEV);
    common.put("taskifai.db.url", db.platformUrl());
    common.put("taskifai.db.username", PLATFORM_ROLE);
    common.put("taskifai.db.password", db.platformPassword());
    if (env.get(KeyRing.ENV_KEYS) != null) {
      common.put("taskifai.master-keys", env.get(KeyRing.ENV_KEYS));
    } else {
      common.put("taskifai.master-keys-file", env.get(KeyRing.ENV_KEYS_FILE));
    }
    common.put("taskifai.base-domain", settings.baseDomain());
    common.put("spring.flyway.enabled", "false");
    common.put("spring.main.banner-mode", "off");
    // The dev platform's HTTP listeners bind to TASKIFAI_DEV_BIND (127.0.0.1 by default).
    common.put("server.address", settings.bind());
    // One JVM logs for the worker and both apps: its lines show every log context key.
    common.put(
        "logging.pattern.correlation",
        "[tenant=%X{tenant_id:-} req=%X{request_id:-} actor=%X{actor:-}"
            + " wf=%X{workflow_id:-} activity=%X{activity_id:-}] ");
    // The cost report's prices and sampling: as the properties their environment names bind
    // (TASKIFAI_COST_* are aliases of taskifai.costs.*).
    env.forEach(
        (k, v) -> {
          String property = Settings.ENV_ALIASES.get(k);
          if (property != null && property.startsWith("taskifai.costs.")) {
            common.put(property, v);
          }
        });
    DevSettings.Apps apps = settings.apps();
    common.put("taskifai.usage.flush-interval", apps.usageFlushInterval());
    if (apps.logLevel() != null) {
      common.put("logging.level.root", apps.logLevel());
    }
    return common;
  }

  /**
   * The admin API's properties inside this JVM; unset ones (null) are left out by the caller, so
   * the records hold their defaults.
   */
  Map<String, Object> apiProperties(String namespace) {
    Map<String, String> env = platformEnv();
    Map<String, Object> api = commonProperties();
    api.putAll(traceSettings(env, "api"));
    // The portal links each workflow to its trace in the dev trace viewer, when one runs.
    api.put("taskifai.traces.url", env.getOrDefault(TraceViewer.TRACES_URL, ""));
    api.put("server.port", settings.adminPort());
    api.put("management.server.port", Integer.toString(settings.adminManagementPort()));
    api.put("taskifai.temporal.target", temporalTarget);
    api.put("taskifai.temporal.namespace", namespace);
    // The UI the platform knows, else one the environment names (passed on as it is).
    api.put(
        "taskifai.temporal.ui-url",
        temporalUiUrl != null
            ? temporalUiUrl
            : settings.temporalUiUrl() != null ? settings.temporalUiUrl() : "");
    api.put("taskifai.temporal.search-attributes", Boolean.toString(!embeddedTemporal));
    api.put("taskifai.admin-url", settings.adminUrl());
    api.put("taskifai.router-url", settings.routerUrl());
    api.put("taskifai.admin-jwt-secret", adminJwtSecret);
    DevSettings.Apps apps = settings.apps();
    api.put("taskifai.fault-injection", apps.faultInjection());
    api.put("taskifai.verification-timeout", apps.verificationTimeout());
    // How often the backup and WAL archiving gauges read again (tests shorten them).
    api.put("taskifai.backup-metrics-refresh", apps.backupMetricsRefresh());
    api.put("taskifai.archiving-metrics-refresh", apps.archivingMetricsRefresh());
    // The admin API streams export downloads from the store the worker writes: the same settings.
    api.putAll(DevSettings.sharedWithWorker(env));
    api.put("taskifai.dev", "true");
    // The in-process Temporal server forgets its workflows on restart; the registry does not.
    api.put("taskifai.recover-workflows", "true");
    return api;
  }

  /** The routing runtime's properties inside this JVM. */
  Map<String, Object> routerProperties() {
    Map<String, Object> router = commonProperties();
    router.putAll(traceSettings(platformEnv(), "router"));
    router.put("server.port", settings.routerPort());
    router.put("management.server.port", Integer.toString(settings.routerManagementPort()));
    router.put("taskifai.tenant-jwt-secret", tenantJwtSecret);
    // The tenant admin's export link (GET /api/export/{id}) points at this platform's admin API.
    router.put("taskifai.admin-url", settings.adminUrl());
    return router;
  }

  /**
   * The {@code OTEL_*} settings of an app in this JVM, which it reads as properties (its
   * environment is the launcher's): those of {@code env}, under the app's own service name unless
   * {@code env} names one for all; none when traces are off.
   */
  static Map<String, String> traceSettings(Map<String, String> env, String role) {
    Map<String, String> otel = new HashMap<>();
    if (!PlatformTracing.configured(env)) {
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

  // ---- the separate processes of ./taskifai up ----------------------------------------------

  /**
   * One process of {@code up}: its name, role, environment, readiness probe and log.
   *
   * @param name its name ({@code worker-1}, ...)
   * @param role what {@link ChildMain} runs
   * @param env its environment
   * @param readiness its readiness probe
   * @param log its log file
   */
  record Child(String name, String role, Map<String, String> env, URI readiness, Path log) {}

  /**
   * Two workers, two routers and one admin API, each on the platform's settings with its own
   * (ports) on top. Logs go to {@code <home>/logs/<name>.log}.
   */
  List<Child> children() {
    Path logs = home.resolve("logs");
    String bind = settings.bind();
    Map<String, Integer> ports = settings.upPorts();
    Map<String, String> common = platformEnv();
    common.put("TASKIFAI_TEMPORAL_EMBEDDED", Boolean.toString(embeddedTemporal));
    common.put("SERVER_ADDRESS", bind);
    // Five JVMs on one machine: quick to start and small, unless the operator says otherwise.
    common.putIfAbsent(
        PlatformTopology.CHILD_JAVA_OPTS, "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k");
    List<Child> children = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      int port =
          ports.get(
              i == 1 ? DevSettings.WORKER_MANAGEMENT_PORT : DevSettings.WORKER2_MANAGEMENT_PORT);
      Map<String, String> worker = new HashMap<>(common);
      worker.putAll(traceSettings(common, "worker"));
      worker.put(DevSettings.WORKER_MANAGEMENT_PORT, Integer.toString(port));
      worker.put("TASKIFAI_WORKER_MANAGEMENT_ADDRESS", bind);
      children.add(
          new Child(
              "worker-" + i,
              "worker",
              worker,
              URI.create("http://" + settings.reach() + ":" + port + "/actuator/health/readiness"),
              logs.resolve("worker-" + i + ".log")));
    }
    for (int i = 1; i <= 2; i++) {
      int port = i == 1 ? settings.routerPort() : ports.get(DevSettings.ROUTER2_PORT);
      int management =
          i == 1 ? settings.routerManagementPort() : ports.get(DevSettings.ROUTER2_MANAGEMENT_PORT);
      Map<String, String> router = new HashMap<>(common);
      router.putAll(traceSettings(common, "router"));
      router.put("TASKIFAI_ROUTER_PORT", Integer.toString(port));
      router.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", Integer.toString(management));
      children.add(
          new Child(
              "router-" + i,
              "router",
              router,
              URI.create("http://127.0.0.1:" + management + "/actuator/health/readiness"),
              logs.resolve("router-" + i + ".log")));
    }
    Map<String, String> api = new HashMap<>(common);
    api.putAll(traceSettings(common, "api"));
    api.put("SERVER_PORT", Integer.toString(settings.adminPort()));
    api.put("SPRING_FLYWAY_ENABLED", "false");
    api.put("TASKIFAI_TEMPORAL_SEARCH_ATTRIBUTES", Boolean.toString(!embeddedTemporal));
    api.put("TASKIFAI_DEV", "true");
    // Only the in-process test server forgets its workflows on restart.
    api.put("TASKIFAI_RECOVER_WORKFLOWS", Boolean.toString(embeddedTemporal));
    if (smtpServer != null) {
      api.put(ChildMain.SMTP_SERVER, smtpServer);
    }
    children.add(
        new Child(
            "api",
            "api",
            api,
            URI.create(
                "http://127.0.0.1:"
                    + settings.adminManagementPort()
                    + "/actuator/health/readiness"),
            logs.resolve("api.log")));
    return children;
  }
}
