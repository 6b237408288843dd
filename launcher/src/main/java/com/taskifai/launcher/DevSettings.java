package com.taskifai.launcher;

import com.taskifai.registry.crypto.KeyRing;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code ./taskifai dev} and {@code up} are told by their environment, read once: every {@code
 * TASKIFAI_*} key the launcher itself reads, with its default, is a field here (the keys are in
 * docs/operations.md's "Settings read by hand"). Nothing else in the launcher reads a dev setting
 * from the environment; {@link DevConfiguration} is what the platform made of them once its servers
 * run, and renders them to dev.env and to each process. {@link #environment()} is the whole
 * environment, passed on to the processes the platform starts.
 *
 * @param environment the launcher's environment ({@code TASKIFAI_TEMPORAL=cli} added for {@code up}
 *     when unset), which every process inherits
 * @param separateProcesses true for {@code ./taskifai up}
 * @param bind the address every dev listener binds to ({@code TASKIFAI_DEV_BIND})
 * @param adminPort the admin API's port ({@code TASKIFAI_ADMIN_PORT})
 * @param routerPort the routing runtime's port ({@code TASKIFAI_ROUTER_PORT})
 * @param adminManagementPort the admin API's metrics port ({@code TASKIFAI_ADMIN_MANAGEMENT_PORT})
 * @param routerManagementPort the router's metrics port ({@code TASKIFAI_ROUTER_MANAGEMENT_PORT})
 * @param upPorts {@code up} only: the second router's ports and both workers' metrics ports, by
 *     their environment key, in the order dev.env lists them; empty for {@code dev}
 * @param pgPort the embedded PostgreSQL's port ({@code TASKIFAI_PG_PORT})
 * @param temporalPort the embedded Temporal server's port ({@code TASKIFAI_TEMPORAL_PORT})
 * @param temporalUiPort the Temporal CLI's UI port ({@code TASKIFAI_TEMPORAL_UI_PORT})
 * @param temporalMode {@code auto}, {@code cli} or {@code embedded} ({@code TASKIFAI_TEMPORAL})
 * @param temporalCli the temporal binary when named ({@code TASKIFAI_TEMPORAL_CLI}), else null
 * @param temporalTarget a real Temporal server ({@code TASKIFAI_TEMPORAL_TARGET}), else null
 * @param temporalUiUrl that server's UI ({@code TASKIFAI_TEMPORAL_UI_URL}), else null
 * @param smtpHost a real SMTP server ({@code TASKIFAI_SMTP_HOST}), else null (embedded)
 * @param smtpPort its port, or the embedded one's ({@code TASKIFAI_SMTP_PORT}: 25, or 3025)
 * @param dbUrl a real platform database ({@code TASKIFAI_DB_URL}), else null (embedded)
 * @param dbAdminUser that server's admin ({@code TASKIFAI_DB_ADMIN_USER})
 * @param dbAdminPassword that admin's password ({@code TASKIFAI_DB_ADMIN_PASSWORD})
 * @param dbPassword the platform role's password there ({@code TASKIFAI_DB_PASSWORD})
 * @param baseDomain {@code TASKIFAI_BASE_DOMAIN}
 * @param adminUrl {@code TASKIFAI_ADMIN_URL}, by default on {@code adminPort}
 * @param routerUrl {@code TASKIFAI_ROUTER_URL}, by default on {@code routerPort}
 * @param adminEmail the dev admin's login ({@code TASKIFAI_ADMIN_EMAIL})
 * @param tenantJwtSecret {@code TASKIFAI_TENANT_JWT_SECRET}, else null (generated and kept)
 * @param adminJwtSecret {@code TASKIFAI_ADMIN_JWT_SECRET}, else null (generated and kept)
 * @param masterKeysGiven true when {@code TASKIFAI_MASTER_KEYS} or {@code _FILE} is set
 * @param devServers how many embedded database servers ({@code TASKIFAI_DEV_SERVERS}: 1 or 2)
 * @param server2Version the second server's PostgreSQL major ({@code
 *     TASKIFAI_DEV_SERVER2_VERSION}), else null (15)
 * @param server2Region its region ({@code TASKIFAI_DEV_SERVER2_REGION})
 * @param pg2Port its port ({@code TASKIFAI_PG2_PORT})
 * @param backupDir the backup folder ({@code TASKIFAI_BACKUP_DIR}), else null ({@code
 *     <home>/backups})
 * @param demo false when {@code TASKIFAI_DEV_DEMO=false}
 * @param apps the settings the launcher hands, unchanged, to the admin API and router it runs in
 *     its own JVM (which read properties, not its environment)
 */
record DevSettings(
    Map<String, String> environment,
    boolean separateProcesses,
    String bind,
    int adminPort,
    int routerPort,
    int adminManagementPort,
    int routerManagementPort,
    Map<String, Integer> upPorts,
    int pgPort,
    int temporalPort,
    int temporalUiPort,
    String temporalMode,
    String temporalCli,
    String temporalTarget,
    String temporalUiUrl,
    String smtpHost,
    int smtpPort,
    String dbUrl,
    String dbAdminUser,
    String dbAdminPassword,
    String dbPassword,
    String baseDomain,
    String adminUrl,
    String routerUrl,
    String adminEmail,
    String tenantJwtSecret,
    String adminJwtSecret,
    boolean masterKeysGiven,
    int devServers,
    String server2Version,
    String server2Region,
    int pg2Port,
    String backupDir,
    boolean demo,
    Apps apps) {

  static final String DEV_SERVERS = "TASKIFAI_DEV_SERVERS";
  static final String SECOND_SERVER_VERSION = "TASKIFAI_DEV_SERVER2_VERSION";
  static final String DEV_BIND = "TASKIFAI_DEV_BIND";
  static final String DEV_EXPOSE = "TASKIFAI_DEV_EXPOSE";
  static final String DEV_DEMO = "TASKIFAI_DEV_DEMO";
  static final String HOME = "TASKIFAI_HOME";
  static final String ROUTER2_PORT = "TASKIFAI_ROUTER2_PORT";
  static final String ROUTER2_MANAGEMENT_PORT = "TASKIFAI_ROUTER2_MANAGEMENT_PORT";
  static final String WORKER_MANAGEMENT_PORT = "TASKIFAI_WORKER_MANAGEMENT_PORT";
  static final String WORKER2_MANAGEMENT_PORT = "TASKIFAI_WORKER2_MANAGEMENT_PORT";
  static final String DEV_ADMIN_EMAIL = "admin@taskifai.localhost";

  /**
   * Settings the admin API and router bind themselves, passed on as their properties; null for
   * unset ones, so the apps' records keep their defaults.
   *
   * @param faultInjection {@code TASKIFAI_FAULT_INJECTION}
   * @param verificationTimeout {@code TASKIFAI_VERIFICATION_TIMEOUT}
   * @param backupMetricsRefresh {@code TASKIFAI_BACKUP_METRICS_REFRESH}
   * @param archivingMetricsRefresh {@code TASKIFAI_ARCHIVING_METRICS_REFRESH}
   * @param usageFlushInterval {@code TASKIFAI_USAGE_FLUSH_INTERVAL}
   * @param logLevel {@code TASKIFAI_LOG_LEVEL}
   */
  record Apps(
      String faultInjection,
      String verificationTimeout,
      String backupMetricsRefresh,
      String archivingMetricsRefresh,
      String usageFlushInterval,
      String logLevel) {}

  /** The settings of {@code env}; {@code separateProcesses} for {@code ./taskifai up}. */
  static DevSettings fromEnvironment(Map<String, String> env, boolean separateProcesses) {
    Map<String, String> effective = env;
    if (separateProcesses && !env.containsKey("TASKIFAI_TEMPORAL")) {
      // Separate processes share one real Temporal server: the CLI's, unless told otherwise.
      effective = new HashMap<>(env);
      effective.put("TASKIFAI_TEMPORAL", "cli");
    }
    Reader r = new Reader(effective);
    int adminPort = r.port("TASKIFAI_ADMIN_PORT", 8080);
    int routerPort = r.port("TASKIFAI_ROUTER_PORT", 8081);
    Map<String, Integer> upPorts = new java.util.LinkedHashMap<>();
    if (separateProcesses) {
      // The second router and both workers of ./taskifai up.
      upPorts.put(ROUTER2_PORT, r.port(ROUTER2_PORT, 8082));
      upPorts.put(ROUTER2_MANAGEMENT_PORT, r.port(ROUTER2_MANAGEMENT_PORT, 9182));
      upPorts.put(WORKER_MANAGEMENT_PORT, r.port(WORKER_MANAGEMENT_PORT, 9183));
      upPorts.put(WORKER2_MANAGEMENT_PORT, r.port(WORKER2_MANAGEMENT_PORT, 9184));
    }
    String smtpHost = r.text("TASKIFAI_SMTP_HOST");
    return new DevSettings(
        effective,
        separateProcesses,
        bindAddress(effective),
        adminPort,
        routerPort,
        r.port("TASKIFAI_ADMIN_MANAGEMENT_PORT", 9180),
        r.port("TASKIFAI_ROUTER_MANAGEMENT_PORT", 9181),
        java.util.Collections.unmodifiableMap(upPorts),
        r.port("TASKIFAI_PG_PORT", 15432),
        r.port("TASKIFAI_TEMPORAL_PORT", 7233),
        r.port("TASKIFAI_TEMPORAL_UI_PORT", 8233),
        effective.getOrDefault("TASKIFAI_TEMPORAL", "auto").strip().toLowerCase(),
        temporalCli(effective),
        r.text("TASKIFAI_TEMPORAL_TARGET"),
        effective.get("TASKIFAI_TEMPORAL_UI_URL"),
        smtpHost,
        r.port("TASKIFAI_SMTP_PORT", smtpHost != null ? 25 : 3025),
        r.text("TASKIFAI_DB_URL"),
        effective.get("TASKIFAI_DB_ADMIN_USER"),
        effective.getOrDefault("TASKIFAI_DB_ADMIN_PASSWORD", ""),
        effective.get("TASKIFAI_DB_PASSWORD"),
        effective.getOrDefault("TASKIFAI_BASE_DOMAIN", "localhost"),
        effective.getOrDefault("TASKIFAI_ADMIN_URL", "http://localhost:" + adminPort),
        // Tenants answer at http://<subdomain>.<base domain>:<port>; this URL gives scheme and
        // port.
        effective.getOrDefault("TASKIFAI_ROUTER_URL", "http://localhost:" + routerPort),
        effective.getOrDefault("TASKIFAI_ADMIN_EMAIL", DEV_ADMIN_EMAIL),
        effective.get("TASKIFAI_TENANT_JWT_SECRET"),
        effective.get("TASKIFAI_ADMIN_JWT_SECRET"),
        effective.containsKey(KeyRing.ENV_KEYS) || effective.containsKey(KeyRing.ENV_KEYS_FILE),
        devServers(effective.get(DEV_SERVERS)),
        effective.get(SECOND_SERVER_VERSION),
        effective.getOrDefault("TASKIFAI_DEV_SERVER2_REGION", "eu-west"),
        r.port("TASKIFAI_PG2_PORT", 15433),
        effective.get("TASKIFAI_BACKUP_DIR"),
        !"false".equalsIgnoreCase(effective.getOrDefault(DEV_DEMO, "true").strip()),
        new Apps(
            effective.get("TASKIFAI_FAULT_INJECTION"),
            effective.get("TASKIFAI_VERIFICATION_TIMEOUT"),
            effective.get("TASKIFAI_BACKUP_METRICS_REFRESH"),
            effective.get("TASKIFAI_ARCHIVING_METRICS_REFRESH"),
            effective.get("TASKIFAI_USAGE_FLUSH_INTERVAL"),
            effective.get("TASKIFAI_LOG_LEVEL")));
  }

  /**
   * The settings the admin API shares with the worker, as the API's properties (null for unset
   * ones): the backup store it streams export downloads from (the one the worker writes), the
   * export links' lifetime, and the hosts a live import may read.
   */
  static Map<String, String> sharedWithWorker(Map<String, String> env) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("taskifai.backup.store", env.get("TASKIFAI_BACKUP_STORE"));
    out.put("taskifai.backup.dir", env.get("TASKIFAI_BACKUP_DIR"));
    out.put("taskifai.backup.s3.endpoint", env.get("TASKIFAI_BACKUP_S3_ENDPOINT"));
    out.put("taskifai.backup.s3.region", env.get("TASKIFAI_BACKUP_S3_REGION"));
    out.put("taskifai.backup.s3.bucket", env.get("TASKIFAI_BACKUP_S3_BUCKET"));
    out.put("taskifai.backup.s3.prefix", env.get("TASKIFAI_BACKUP_S3_PREFIX"));
    out.put("taskifai.backup.s3.path-style", env.get("TASKIFAI_BACKUP_S3_PATH_STYLE"));
    out.put("taskifai.backup.s3.part-bytes", env.get("TASKIFAI_BACKUP_S3_PART_BYTES"));
    out.put("taskifai.export-link-ttl", env.get("TASKIFAI_EXPORT_LINK_TTL"));
    out.put("taskifai.import-source-hosts", env.get("TASKIFAI_IMPORT_SOURCE_HOSTS"));
    return out;
  }

  /** The temporal binary {@code TASKIFAI_TEMPORAL_CLI} names, or null. */
  static String temporalCli(Map<String, String> env) {
    String v = env.get("TASKIFAI_TEMPORAL_CLI");
    return v == null || v.isBlank() ? null : v;
  }

  /** The dev folder: {@code TASKIFAI_HOME}, else {@code .taskifai}, made absolute. */
  static Path home(Map<String, String> env) {
    return Path.of(env.getOrDefault(HOME, ".taskifai")).toAbsolutePath();
  }

  /** The address dev listeners bind to: {@code TASKIFAI_DEV_BIND}, else 127.0.0.1. */
  static String bindAddress(Map<String, String> env) {
    String v = env.get(DEV_BIND);
    return v == null || v.isBlank() ? "127.0.0.1" : v.strip();
  }

  /** Where this machine reaches a listener bound to {@link #bind()}. */
  String reach() {
    return reachableAddress(bind);
  }

  /** Where this machine reaches a listener bound to {@code bind}. */
  static String reachableAddress(String bind) {
    return bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]") ? "127.0.0.1" : bind;
  }

  /** True when {@code bind} is a loopback address (or a name for one): nothing else reaches it. */
  static boolean loopback(String bind) {
    String host =
        bind.startsWith("[") && bind.endsWith("]") ? bind.substring(1, bind.length() - 1) : bind;
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * What a non-loopback bind exposes, for the refusal and the banner; empty for loopback.
   *
   * @throws IllegalStateException for a non-loopback {@code TASKIFAI_DEV_BIND} without {@code
   *     TASKIFAI_DEV_EXPOSE=true}
   */
  static Optional<String> exposure(Map<String, String> env) {
    String bind = bindAddress(env);
    if (loopback(bind)) {
      return Optional.empty();
    }
    String exposed =
        DEV_BIND
            + "="
            + bind
            + " exposes the dev platform to the network: its Temporal server takes commands"
            + " without credentials, so anyone who reaches "
            + bind
            + " can start a restore, move or promotion of any tenant, or signal \"email verified\","
            + " with no admin token or MFA; PostgreSQL, SMTP and the apps listen there too";
    if (!"true".equalsIgnoreCase(env.getOrDefault(DEV_EXPOSE, "").strip())) {
      throw new IllegalStateException(
          exposed
              + ". Bind to 127.0.0.1 (unset "
              + DEV_BIND
              + "), or set "
              + DEV_EXPOSE
              + "=true as well if that is what you want");
    }
    return Optional.of(exposed + " (" + DEV_EXPOSE + "=true)");
  }

  /** {@code TASKIFAI_DEV_SERVERS}: how many embedded database servers to run (1 or 2). */
  static int devServers(String v) {
    if (v == null || v.isBlank()) {
      return 1;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n == 1 || n == 2) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalStateException(DEV_SERVERS + " must be 1 or 2, got '" + v + "'");
  }

  /** The port of {@code key}: its value, else {@code fallback}; refused when not a number. */
  static int port(String key, String value, int fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(key + " must be a port number, got '" + value + "'");
    }
  }

  /** Reads the environment; a blank value counts as unset. */
  private record Reader(Map<String, String> env) {
    String text(String key) {
      String v = env.get(key);
      return v == null || v.isBlank() ? null : v;
    }

    int port(String key, int fallback) {
      return DevSettings.port(key, env.get(key), fallback);
    }
  }
}
