package com.taskifai.launcher;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.embedded.EmbeddedPostgresVersion;
import com.taskifai.registry.embedded.LogicalReplicationSettings;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.settings.ProductionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./taskifai dev}: the whole platform in one JVM on embedded defaults — PostgreSQL (data
 * kept in {@code .taskifai/postgres}), a Temporal server, an SMTP server, the worker, the admin API
 * on :8080 and the routing runtime on :8081. Each embedded part gives way to a real server named in
 * the environment ({@code TASKIFAI_DB_URL}, {@code TASKIFAI_TEMPORAL_TARGET}, {@code
 * TASKIFAI_SMTP_HOST}). Every listener it starts binds to 127.0.0.1 unless {@code
 * TASKIFAI_DEV_BIND} names another address (for example {@code 0.0.0.0} for every interface); an
 * address other than loopback is refused unless {@code TASKIFAI_DEV_EXPOSE=true} says so too,
 * because the dev Temporal server takes commands without credentials. The processes it starts are
 * dev ones ({@code TASKIFAI_ENV=dev}).
 */
public final class DevPlatform implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevPlatform.class);

  static final String PLATFORM_DATABASE = "taskifai";
  static final String PLATFORM_ROLE = "taskifai_platform";
  static final String LOCAL_SERVER_ID = "local-1";
  static final String SECOND_SERVER_ID = "local-2";
  static final String DEV_SERVERS = "TASKIFAI_DEV_SERVERS";

  /** The PostgreSQL major version of the second embedded server: 15 (the default) or 17. */
  static final String SECOND_SERVER_VERSION = "TASKIFAI_DEV_SERVER2_VERSION";

  static final String DEV_ADMIN_EMAIL = "admin@taskifai.localhost";

  /** The platform admin account that builds the demo tenant in {@code ./taskifai dev}. */
  static final String DEMO_BUILDER_EMAIL = "demo-builder@taskifai.localhost";

  /** The environment key of the address every dev listener binds to. */
  static final String DEV_BIND = "TASKIFAI_DEV_BIND";

  /**
   * The second setting a non-loopback {@link #DEV_BIND} needs ({@code true}): asked twice, because
   * it exposes servers without credentials.
   */
  static final String DEV_EXPOSE = "TASKIFAI_DEV_EXPOSE";

  /** The environment key that turns the demo tenant off ({@code false}); it is on by default. */
  static final String DEV_DEMO = "TASKIFAI_DEV_DEMO";

  /** The command-line flag that offboards the demo tenant and builds it again. */
  static final String RESET_DEMO = "--reset-demo";

  private final Map<String, String> env;
  private final Path home;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, String> devEnv = new LinkedHashMap<>();
  private final Map<String, String> notes = new LinkedHashMap<>();
  private final Map<String, EmbeddedDatabase> embeddedDatabases = new LinkedHashMap<>();
  private final String bind;
  private final String reach;
  private boolean resetDemo;
  private DemoTenant.Outcome demo;

  /**
   * True for {@code ./taskifai up}: the worker, the admin API and the router run as separate JVM
   * processes (two workers, two routers, one API; {@link PlatformTopology}) on the Temporal CLI's
   * server, instead of inside this JVM.
   */
  private final boolean separateProcesses;

  private PlatformTopology topology;
  private String smtpServer;

  DevPlatform(Map<String, String> env, Path home) {
    this(env, home, false);
  }

  DevPlatform(Map<String, String> env, Path home, boolean separateProcesses) {
    Map<String, String> effective = env;
    if (separateProcesses && !env.containsKey("TASKIFAI_TEMPORAL")) {
      // Separate processes share one real Temporal server: the CLI's, unless told otherwise.
      effective = new HashMap<>(env);
      effective.put("TASKIFAI_TEMPORAL", "cli");
    }
    this.env = effective;
    this.home = home;
    this.bind = bindAddress(env);
    this.reach = reachableAddress(bind);
    this.separateProcesses = separateProcesses;
  }

  /** The separate platform processes of {@code ./taskifai up}, once started (tests). */
  Optional<PlatformTopology> topology() {
    return Optional.ofNullable(topology);
  }

  /** The address dev listeners bind to: {@code TASKIFAI_DEV_BIND}, else 127.0.0.1. */
  static String bindAddress(Map<String, String> env) {
    String v = env.get(DEV_BIND);
    return v == null || v.isBlank() ? "127.0.0.1" : v.strip();
  }

  /** True when {@code bind} is a loopback address (or a name for one): nothing else reaches it. */
  static boolean loopback(String bind) {
    String host =
        bind.startsWith("[") && bind.endsWith("]") ? bind.substring(1, bind.length() - 1) : bind;
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
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

  /** Where this machine reaches a listener bound to {@code bind}. */
  static String reachableAddress(String bind) {
    return bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]") ? "127.0.0.1" : bind;
  }

  /** A dev platform on the given environment and home folder, for benchmarks and tests. */
  public static DevPlatform create(Map<String, String> env, Path home) {
    return new DevPlatform(env, home);
  }

  /** Asks {@link #start()} to offboard the demo tenant and build it again. */
  public DevPlatform resetDemo(boolean reset) {
    this.resetDemo = reset;
    return this;
  }

  /** The demo tenant as {@link #start()} left it, if it is on and ready. */
  Optional<DemoTenant.Outcome> demo() {
    return Optional.ofNullable(demo);
  }

  public static void main(String[] args) throws Exception {
    // The demo tenant is loaded through its subdomain on the router's loopback port, which needs
    // the Host header (set before any HTTP client class is loaded).
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    run(false, args);
  }

  /** {@code ./taskifai up}: the production topology on this machine (separate processes). */
  static void up(String[] args) throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    run(true, args);
  }

  private static void run(boolean separateProcesses, String[] args) throws Exception {
    String command = separateProcesses ? "taskifai up" : "taskifai dev";
    boolean reset = false;
    for (String arg : args) {
      if (arg.equals(RESET_DEMO)) {
        reset = true;
      } else {
        System.err.println(command + ": unknown option '" + arg + "' (known: " + RESET_DEMO + ")");
        System.exit(2);
      }
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    // The command line archives WAL when pgbackrest is there; platforms built by tests do not.
    env.putIfAbsent(WalArchive.ENV, "auto");
    // Likewise it starts a trace viewer (Jaeger) when one is installed.
    env.putIfAbsent(TraceViewer.ENV, "auto");
    Path home = Path.of(env.getOrDefault("TASKIFAI_HOME", ".taskifai")).toAbsolutePath();
    Path lockFile = home.resolve("dev.lock");
    Optional<SingleInstanceLock> lock = SingleInstanceLock.tryAcquire(lockFile);
    if (lock.isEmpty()) {
      System.err.println(
          command
              + ": the dev platform is already running (pid "
              + SingleInstanceLock.holder(lockFile)
              + ") on this folder; its settings are in "
              + home.resolve("dev.env")
              + ". Stop it (Ctrl-C in its terminal) before starting another.");
      System.exit(3);
    }
    DevPlatform platform = new DevPlatform(env, home, separateProcesses).resetDemo(reset);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  platform.close();
                  stopped.countDown();
                },
                "taskifai-shutdown"));
    try {
      platform.start();
    } catch (Exception e) {
      log.error("{}: start failed: {}", command, e.getMessage(), e);
      System.err.println(command + ": start failed: " + e.getMessage());
      System.exit(1);
    }
    platform.printBanner();
    stopped.await();
    lock.get().close();
  }

  public void start() throws Exception {
    Optional<String> exposed = exposure(env);
    if (exposed.isPresent()) {
      log.warn("{}", exposed.get());
      notes.put("EXPOSED", exposed.get());
    }
    int adminPort = intEnv("TASKIFAI_ADMIN_PORT", 8080);
    int routerPort = intEnv("TASKIFAI_ROUTER_PORT", 8081);
    requireFreePort(adminPort, "the admin API (TASKIFAI_ADMIN_PORT)");
    requireFreePort(routerPort, "the routing runtime (TASKIFAI_ROUTER_PORT)");
    // Metrics and the actuator's other endpoints listen on loopback ports of their own.
    int adminManagementPort = intEnv("TASKIFAI_ADMIN_MANAGEMENT_PORT", 9180);
    int routerManagementPort = intEnv("TASKIFAI_ROUTER_MANAGEMENT_PORT", 9181);
    requireFreePort(
        adminManagementPort, "the admin API's metrics (TASKIFAI_ADMIN_MANAGEMENT_PORT)");
    requireFreePort(
        routerManagementPort, "the routing runtime's metrics (TASKIFAI_ROUTER_MANAGEMENT_PORT)");
    Map<String, Integer> upPorts = new LinkedHashMap<>();
    if (separateProcesses) {
      // The second router and both workers of ./taskifai up.
      upPorts.put("TASKIFAI_ROUTER2_PORT", intEnv("TASKIFAI_ROUTER2_PORT", 8082));
      upPorts.put(
          "TASKIFAI_ROUTER2_MANAGEMENT_PORT", intEnv("TASKIFAI_ROUTER2_MANAGEMENT_PORT", 9182));
      upPorts.put(
          "TASKIFAI_WORKER_MANAGEMENT_PORT", intEnv("TASKIFAI_WORKER_MANAGEMENT_PORT", 9183));
      upPorts.put(
          "TASKIFAI_WORKER2_MANAGEMENT_PORT", intEnv("TASKIFAI_WORKER2_MANAGEMENT_PORT", 9184));
      upPorts.forEach((key, port) -> requireFreePort(port, key));
    }

    DevSecrets secrets = new DevSecrets(home.resolve("dev-secrets.properties"));
    KeyRing keys = KeyRing.fromEnvironment(env, home.resolve("master.keys"));
    CredentialCipher cipher = new CredentialCipher(keys);
    String baseDomain = env.getOrDefault("TASKIFAI_BASE_DOMAIN", "localhost");
    String adminUrl = env.getOrDefault("TASKIFAI_ADMIN_URL", "http://localhost:" + adminPort);
    // Tenants answer at http://<subdomain>.<base domain>:<port>; this URL gives scheme and port.
    String routerUrl = env.getOrDefault("TASKIFAI_ROUTER_URL", "http://localhost:" + routerPort);

    Database db = startDatabase(secrets);
    PlatformBootstrap.migrate(db, PLATFORM_DATABASE, PLATFORM_ROLE);
    PlatformBootstrap.registerServer(db, PLATFORM_ROLE, cipher, LOCAL_SERVER_ID, "local", 10_000);
    recordArchive(
        LOCAL_SERVER_ID, dataSource(db.platformUrl(), PLATFORM_ROLE, db.platformPassword()));
    if (devServers() >= 2) {
      startSecondServer(
          secrets, dataSource(db.platformUrl(), PLATFORM_ROLE, db.platformPassword()), cipher);
    }

    String temporalTarget = startTemporal();
    Mail mail = startMail();

    String tenantJwtSecret =
        env.getOrDefault("TASKIFAI_TENANT_JWT_SECRET", secrets.random("tenant_jwt_secret", 32));
    String adminJwtSecret =
        env.getOrDefault("TASKIFAI_ADMIN_JWT_SECRET", secrets.random("admin_jwt_secret", 32));
    String adminPassword = secrets.random("dev_admin_password", 12);
    String adminTotp = secrets.totpSecret("dev_admin_totp_secret");
    secrets.save();

    Map<String, String> platformEnv = new HashMap<>(env);
    startTraces().ifPresent(platformEnv::putAll);
    platformEnv.put("TASKIFAI_DB_URL", db.platformUrl());
    platformEnv.put("TASKIFAI_DB_USER", PLATFORM_ROLE);
    platformEnv.put("TASKIFAI_DB_PASSWORD", db.platformPassword());
    if (!env.containsKey(KeyRing.ENV_KEYS) && !env.containsKey(KeyRing.ENV_KEYS_FILE)) {
      platformEnv.put(KeyRing.ENV_KEYS_FILE, home.resolve("master.keys").toString());
    }
    platformEnv.put("TASKIFAI_TEMPORAL_TARGET", temporalTarget);
    if (temporalUiUrl != null) {
      // The portal links each tenant to its workflows in Temporal UI.
      platformEnv.put("TASKIFAI_TEMPORAL_UI_URL", temporalUiUrl);
    }
    platformEnv.put("TASKIFAI_SMTP_HOST", mail.host());
    platformEnv.put("TASKIFAI_SMTP_PORT", Integer.toString(mail.port()));
    platformEnv.put("TASKIFAI_BASE_DOMAIN", baseDomain);
    platformEnv.put("TASKIFAI_ADMIN_URL", adminUrl);
    platformEnv.put("TASKIFAI_ROUTER_URL", routerUrl);
    platformEnv.put("TASKIFAI_ROUTER_PORT", Integer.toString(routerPort));
    platformEnv.put("TASKIFAI_ADMIN_MANAGEMENT_PORT", Integer.toString(adminManagementPort));
    platformEnv.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", Integer.toString(routerManagementPort));
    platformEnv.put("TASKIFAI_TENANT_JWT_SECRET", tenantJwtSecret);
    platformEnv.put("TASKIFAI_ADMIN_JWT_SECRET", adminJwtSecret);
    platformEnv.putIfAbsent("TASKIFAI_DNS_PROVIDER", "local");
    platformEnv.put(DEV_BIND, bind);
    // Every process started here is a dev one: the production checks (on unless told) stay off.
    platformEnv.put(ProductionSettings.ENV, ProductionSettings.DEV);

    AdminAccounts accounts =
        new AdminAccounts(
            dataSource(db.platformUrl(), PLATFORM_ROLE, db.platformPassword()), cipher);
    if (separateProcesses) {
      accounts.createOrUpdate(
          env.getOrDefault("TASKIFAI_ADMIN_EMAIL", DEV_ADMIN_EMAIL), adminPassword, adminTotp);
      topology = topology(platformEnv, adminPort, routerPort, upPorts);
      started.push(topology);
      topology.start();
    } else {
      PlatformProcesses processes =
          PlatformProcesses.start(
              platformEnv, keys, mail.outbox(), adminPort, routerPort, embeddedTemporal);
      started.push(processes);
      processes.createDevAdmin(
          env.getOrDefault("TASKIFAI_ADMIN_EMAIL", DEV_ADMIN_EMAIL), adminPassword, adminTotp);
    }

    devEnv.put("TASKIFAI_ADMIN_URL", adminUrl);
    devEnv.put("TASKIFAI_ROUTER_URL", routerUrl);
    devEnv.put("TASKIFAI_ADMIN_MANAGEMENT_PORT", Integer.toString(adminManagementPort));
    devEnv.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", Integer.toString(routerManagementPort));
    devEnv.put("TASKIFAI_DB_URL", db.platformUrl());
    devEnv.put("TASKIFAI_DB_USER", PLATFORM_ROLE);
    devEnv.put("TASKIFAI_DB_PASSWORD", db.platformPassword());
    devEnv.put("TASKIFAI_DB_ADMIN_USER", db.adminUser());
    devEnv.put("TASKIFAI_DB_ADMIN_PASSWORD", db.adminPassword());
    devEnv.put("TASKIFAI_TEMPORAL_TARGET", temporalTarget);
    if (temporalUiUrl != null) {
      devEnv.put("TASKIFAI_TEMPORAL_UI_URL", temporalUiUrl);
    }
    devEnv.put("TASKIFAI_SMTP_HOST", mail.host());
    devEnv.put("TASKIFAI_SMTP_PORT", Integer.toString(mail.port()));
    devEnv.put("TASKIFAI_BASE_DOMAIN", baseDomain);
    devEnv.put("TASKIFAI_ADMIN_EMAIL", env.getOrDefault("TASKIFAI_ADMIN_EMAIL", DEV_ADMIN_EMAIL));
    devEnv.put("TASKIFAI_ADMIN_PASSWORD", adminPassword);
    devEnv.put("TASKIFAI_ADMIN_TOTP_SECRET", adminTotp);
    devEnv.put("TASKIFAI_TENANT_JWT_SECRET", tenantJwtSecret);
    upPorts.forEach((key, port) -> devEnv.put(key, Integer.toString(port)));
    if (tracesUrl != null) {
      devEnv.put(TraceViewer.TRACES_URL, tracesUrl);
    }
    if (separateProcesses) {
      devEnv.put(
          "TASKIFAI_ROUTER2_URL", "http://localhost:" + upPorts.get("TASKIFAI_ROUTER2_PORT"));
    }
    DevEnvFile.write(home.resolve("dev.env"), devEnv, devEnvNotes());

    if (!"false".equalsIgnoreCase(env.getOrDefault(DEV_DEMO, "true").strip())) {
      // The demo is built by an admin account of its own: a one-time code works once per account
      // and period, so signing in as the dev admin would refuse the developer's own first login
      // in the same 30 seconds; and the audit log names the builder.
      String builderPassword = secrets.random("demo_builder_password", 16);
      String builderTotp = secrets.totpSecret("demo_builder_totp_secret");
      secrets.save();
      accounts.createOrUpdate(DEMO_BUILDER_EMAIL, builderPassword, builderTotp);
      ensureDemo(
          db,
          secrets,
          baseDomain,
          adminUrl,
          routerPort,
          mail,
          DEMO_BUILDER_EMAIL,
          builderPassword,
          builderTotp);
    }
  }

  /**
   * The demo tenant: kept when it is there and ACTIVE, else (or with {@code --reset-demo})
   * provisioned and loaded. Its password is generated once and kept in dev-secrets.properties; a
   * demo that cannot be built is reported in the banner and does not stop the platform.
   */
  private void ensureDemo(
      Database db,
      DevSecrets secrets,
      String baseDomain,
      String adminUrl,
      int routerPort,
      Mail mail,
      String adminEmail,
      String adminPassword,
      String adminTotp) {
    if (mail.outbox() == null) {
      notes.put(
          "Demo tenant",
          "not built: its sign-up mails go to the real SMTP server named by TASKIFAI_SMTP_HOST");
      return;
    }
    String password = secrets.random(DemoTenant.PASSWORD_SECRET, 12);
    secrets.save();
    try {
      DemoTenant builder =
          new DemoTenant(
              DemoTenant.SUBDOMAIN,
              DemoTenant.EMAIL,
              "Demo Cosmetics",
              "http://" + reach + ":" + URI.create(adminUrl).getPort(),
              "http://" + reach + ":" + routerPort,
              baseDomain,
              adminEmail,
              adminPassword,
              adminTotp,
              new com.taskifai.registry.TenantRegistry(
                  dataSource(db.platformUrl(), PLATFORM_ROLE, db.platformPassword())),
              db.clusterUrl(),
              db.adminUser(),
              db.adminPassword());
      demo = builder.ensure(password, resetDemo);
      log.info("demo tenant {}: {}", demo.created() ? "built" : "kept", demo.notes());
      devEnv.put("TASKIFAI_DEMO_URL", demoUrl(baseDomain));
      devEnv.put("TASKIFAI_DEMO_EMAIL", demo.email());
      devEnv.put("TASKIFAI_DEMO_PASSWORD", demo.password());
      DevEnvFile.write(home.resolve("dev.env"), devEnv, devEnvNotes());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("demo tenant not ready: {}", e.getMessage(), e);
      notes.put(
          "Demo tenant",
          "not ready: " + e.getMessage() + " (./taskifai dev " + RESET_DEMO + " builds it again)");
    }
  }

  private String demoUrl(String baseDomain) {
    URI router = URI.create(devEnv.get("TASKIFAI_ROUTER_URL"));
    return router.getScheme()
        + "://"
        + DemoTenant.SUBDOMAIN
        + "."
        + baseDomain
        + ":"
        + router.getPort();
  }

  // ---- separate processes (./taskifai up) ---------------------------------------------------

  /**
   * Two workers, two routers and one admin API, each a JVM of its own on the platform's settings;
   * each process's own settings (ports) on top. Logs go to {@code <home>/logs/<name>.log}.
   */
  private PlatformTopology topology(
      Map<String, String> platformEnv, int adminPort, int routerPort, Map<String, Integer> ports) {
    Path logs = home.resolve("logs");
    Map<String, String> common = new HashMap<>(platformEnv);
    common.put("TASKIFAI_TEMPORAL_EMBEDDED", Boolean.toString(embeddedTemporal));
    common.put("SERVER_ADDRESS", bind);
    // Five JVMs on one machine: quick to start and small, unless the operator says otherwise.
    common.putIfAbsent(
        PlatformTopology.CHILD_JAVA_OPTS, "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k");
    PlatformTopology t = new PlatformTopology();
    for (int i = 1; i <= 2; i++) {
      String key = i == 1 ? "TASKIFAI_WORKER_MANAGEMENT_PORT" : "TASKIFAI_WORKER2_MANAGEMENT_PORT";
      Map<String, String> worker = new HashMap<>(common);
      worker.putAll(PlatformProcesses.traceSettings(common, "worker"));
      worker.put("TASKIFAI_WORKER_MANAGEMENT_PORT", Integer.toString(ports.get(key)));
      worker.put("TASKIFAI_WORKER_MANAGEMENT_ADDRESS", bind);
      t.add(
          "worker-" + i,
          "worker",
          worker,
          URI.create("http://" + reach + ":" + ports.get(key) + "/actuator/health/readiness"),
          logs.resolve("worker-" + i + ".log"));
    }
    for (int i = 1; i <= 2; i++) {
      int port = i == 1 ? routerPort : ports.get("TASKIFAI_ROUTER2_PORT");
      String management =
          i == 1
              ? platformEnv.get("TASKIFAI_ROUTER_MANAGEMENT_PORT")
              : Integer.toString(ports.get("TASKIFAI_ROUTER2_MANAGEMENT_PORT"));
      Map<String, String> router = new HashMap<>(common);
      router.putAll(PlatformProcesses.traceSettings(common, "router"));
      router.put("TASKIFAI_ROUTER_PORT", Integer.toString(port));
      router.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", management);
      t.add(
          "router-" + i,
          "router",
          router,
          URI.create("http://127.0.0.1:" + management + "/actuator/health/readiness"),
          logs.resolve("router-" + i + ".log"));
    }
    Map<String, String> api = new HashMap<>(common);
    api.putAll(PlatformProcesses.traceSettings(common, "api"));
    api.put("SERVER_PORT", Integer.toString(adminPort));
    api.put("SPRING_FLYWAY_ENABLED", "false");
    api.put("TASKIFAI_TEMPORAL_SEARCH_ATTRIBUTES", Boolean.toString(!embeddedTemporal));
    api.put("TASKIFAI_DEV", "true");
    // Only the in-process test server forgets its workflows on restart.
    api.put("TASKIFAI_RECOVER_WORKFLOWS", Boolean.toString(embeddedTemporal));
    if (smtpServer != null) {
      api.put(ChildMain.SMTP_SERVER, smtpServer);
    }
    t.add(
        "api",
        "api",
        api,
        URI.create(
            "http://127.0.0.1:"
                + platformEnv.get("TASKIFAI_ADMIN_MANAGEMENT_PORT")
                + "/actuator/health/readiness"),
        logs.resolve("api.log"));
    return t;
  }

  // ---- PostgreSQL ---------------------------------------------------------------------------

  /** How to reach the cluster that holds the platform database and the tenant databases. */
  record Database(
      String clusterUrl,
      String adminUser,
      String adminPassword,
      String platformUrl,
      String platformPassword) {
    DataSource clusterAdmin() {
      return dataSource(clusterUrl, adminUser, adminPassword);
    }

    DataSource platformOwner() {
      return dataSource(platformUrl, adminUser, adminPassword);
    }
  }

  private Database startDatabase(DevSecrets secrets) throws IOException {
    String external = env.get("TASKIFAI_DB_URL");
    if (external != null && !external.isBlank()) {
      // A real server: the platform database URL is given; tenant databases go beside it.
      String adminUser = require("TASKIFAI_DB_ADMIN_USER");
      String adminPassword = env.getOrDefault("TASKIFAI_DB_ADMIN_PASSWORD", "");
      String clusterUrl = external.replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1");
      notes.put("PostgreSQL", external + " (from TASKIFAI_DB_URL)");
      return new Database(
          clusterUrl, adminUser, adminPassword, external, require("TASKIFAI_DB_PASSWORD"));
    }
    int port = intEnv("TASKIFAI_PG_PORT", 15432);
    requireFreePort(port, "embedded PostgreSQL (TASKIFAI_PG_PORT)");
    Path data = home.resolve("postgres");
    // Generated once and kept in dev-secrets.properties (owner-only) before the server starts:
    // initdb gives it to the superuser, and the server checks it on every connection.
    String adminPassword = secrets.random("postgres_admin_password", 16);
    String platformPassword = secrets.random("platform_db_password", 24);
    secrets.save();
    startEmbedded(
        LOCAL_SERVER_ID,
        "the embedded PostgreSQL",
        EmbeddedPostgresVersion.V15,
        data,
        port,
        "postgres-auth",
        adminPassword,
        "postgres_admin_password",
        " to start with an empty platform",
        walArchive(LOCAL_SERVER_ID, "postgres-auth", secrets));
    String cluster = "jdbc:postgresql://" + reach + ":" + port + "/postgres";
    notes.put(
        "PostgreSQL",
        "embedded "
            + EmbeddedPostgresVersion.V15.major()
            + " on "
            + bind
            + ":"
            + port
            + ", data in "
            + data);
    return new Database(
        cluster,
        "postgres",
        adminPassword,
        "jdbc:postgresql://" + reach + ":" + port + "/" + PLATFORM_DATABASE,
        platformPassword);
  }

  /**
   * Starts an embedded PostgreSQL on {@code data} whose superuser password is {@code password}
   * (kept in dev-secrets.properties under {@code secretKey}), and stops it with the platform. A
   * data folder made with another password is refused with a message that says how to recover.
   */
  private void startEmbedded(
      String serverId,
      String what,
      EmbeddedPostgresVersion version,
      Path data,
      int port,
      String authFolder,
      String password,
      String secretKey,
      String moveAwayHint,
      Optional<WalArchive> archive)
      throws IOException {
    refuseOtherVersion(what, version, data);
    EmbeddedDatabase pg =
        new EmbeddedDatabase(
            serverId,
            port,
            data,
            () -> {
              EmbeddedPostgres.Builder builder =
                  LogicalReplicationSettings.apply(version.apply(EmbeddedPostgres.builder()))
                      .setDataDirectory(data)
                      .setCleanDataDirectory(false)
                      .setPort(port)
                      .setServerConfig("max_connections", "300")
                      .setServerConfig("listen_addresses", bind.equals("0.0.0.0") ? "*" : bind);
              if (archive.isPresent()) {
                try {
                  archive.get().configure(builder, data, port);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
              return builder;
            },
            home.resolve(authFolder),
            password);
    try {
      pg.start();
    } catch (PasswordCheckedPostgres.SuperuserPasswordRefused e) {
      throw new IllegalStateException(
          what
              + " in "
              + data
              + " refuses the superuser password kept in "
              + home.resolve("dev-secrets.properties")
              + " ("
              + secretKey
              + "): restore that file, or move "
              + data
              + " away"
              + moveAwayHint,
          e);
    }
    started.push(pg);
    embeddedDatabases.put(serverId, pg);
    if (archive.isPresent()) {
      try {
        archive.get().createStanza(pg.server(), password);
      } catch (IOException | java.sql.SQLException e) {
        log.warn("{}: WAL archiving is not set up: {}", what, e.getMessage());
        pitr.put(what, "failed (" + e.getMessage() + ")");
      }
    }
    notes.put("Point-in-time recovery", pitrNote());
  }

  /**
   * A data folder made by another major version is refused before the server starts (PostgreSQL
   * would refuse it too, in words about files): the tenants placed on it live in that folder, so it
   * is neither upgraded nor replaced here.
   */
  static void refuseOtherVersion(String what, EmbeddedPostgresVersion version, Path data)
      throws IOException {
    Path marker = data.resolve("PG_VERSION");
    if (!Files.isRegularFile(marker)) {
      return;
    }
    String made = Files.readString(marker).strip();
    if (!made.equals(String.valueOf(version.major()))) {
      throw new IllegalStateException(
          what
              + " in "
              + data
              + " was made by PostgreSQL "
              + made
              + ", not "
              + version.major()
              + ": set "
              + SECOND_SERVER_VERSION
              + "="
              + made
              + " to keep it, or drain its tenants onto another server and move "
              + data
              + " away to start a new PostgreSQL "
              + version.major()
              + " there");
    }
  }

  private final Map<String, String> pitr = new java.util.LinkedHashMap<>();

  /**
   * The archive of embedded server {@code serverId} when {@code TASKIFAI_PITR} asks for one (on, or
   * auto with pgbackrest installed): a pgBackRest repository under the backup folder ({@code
   * TASKIFAI_BACKUP_DIR}, default {@code .taskifai/backups}) at {@code pitr/<server id>}, encrypted
   * with a passphrase kept in dev-secrets.properties.
   */
  Optional<WalArchive> walArchive(String serverId, String authFolder, DevSecrets secrets) {
    WalArchive.Mode mode = WalArchive.Mode.of(env, WalArchive.Mode.OFF);
    if (mode == WalArchive.Mode.OFF) {
      pitrDisabled = "disabled (" + WalArchive.ENV + "=off)";
      return Optional.empty();
    }
    Optional<java.nio.file.Path> tool =
        WalArchive.findTool(env.getOrDefault("PATH", System.getenv("PATH")));
    if (tool.isEmpty()) {
      if (mode == WalArchive.Mode.ON) {
        throw new IllegalStateException(
            WalArchive.ENV
                + "=on but pgbackrest is not installed: install it (apt-get install pgbackrest)"
                + " or set "
                + WalArchive.ENV
                + "=auto or off");
      }
      pitrDisabled = "disabled (pgbackrest not installed)";
      return Optional.empty();
    }
    String passphrase = secrets.random("pitr_archive_passphrase", 32);
    secrets.save();
    java.nio.file.Path backups =
        java.nio.file.Path.of(
                env.getOrDefault("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString()))
            .toAbsolutePath();
    WalArchive archive =
        WalArchive.of(
            tool.get(),
            backups.resolve("pitr").resolve(serverId),
            home.resolve(authFolder),
            passphrase,
            WalArchive.retentionDays(env));
    pitr.put(serverId, archive.repository().toString());
    archives.put(serverId, archive);
    return Optional.of(archive);
  }

  private final Map<String, WalArchive> archives = new java.util.HashMap<>();

  /**
   * Records server {@code serverId}'s archive in the registry (once the server is registered), so
   * the workers find it for its base backups; nothing when it does not archive.
   */
  void recordArchive(String serverId, DataSource platform) {
    WalArchive archive = archives.get(serverId);
    if (archive != null) {
      new com.taskifai.registry.ServerArchives(platform)
          .record(
              serverId,
              archive.configFile().toString(),
              archive.repository().toString(),
              WalArchive.retentionDays(env));
    }
  }

  private String pitrDisabled;

  /** The banner's line on point-in-time recovery. */
  String pitrNote() {
    if (pitrDisabled != null) {
      return pitrDisabled;
    }
    return "on: WAL archived (pgBackRest, encrypted) at least every "
        + WalArchive.ARCHIVE_TIMEOUT.toSeconds()
        + " s, kept "
        + WalArchive.retentionDays(env)
        + " days; "
        + String.join(
            ", ", pitr.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
  }

  /** The embedded PostgreSQL servers this platform started, by database server id. */
  Map<String, EmbeddedDatabase> embeddedDatabases() {
    return Map.copyOf(embeddedDatabases);
  }

  /** {@code TASKIFAI_DEV_SERVERS}: how many embedded database servers to run (1 or 2). */
  int devServers() {
    String v = env.get(DEV_SERVERS);
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

  /**
   * A second embedded PostgreSQL ({@code TASKIFAI_DEV_SERVERS=2}) with a data folder, superuser
   * password and port of its own ({@code TASKIFAI_PG2_PORT}, 15433), registered as database server
   * {@code local-2} in another region ({@code TASKIFAI_DEV_SERVER2_REGION}, {@code eu-west}), so
   * placement by region, moving and draining can be tried on one machine. It runs PostgreSQL 15, or
   * 17 with {@code TASKIFAI_DEV_SERVER2_VERSION=17}, to drain tenants onto a newer major.
   */
  void startSecondServer(DevSecrets secrets, DataSource platform, CredentialCipher cipher)
      throws IOException {
    EmbeddedPostgresVersion version =
        EmbeddedPostgresVersion.of(env.get(SECOND_SERVER_VERSION), SECOND_SERVER_VERSION);
    int port = intEnv("TASKIFAI_PG2_PORT", 15433);
    requireFreePort(port, "the second embedded PostgreSQL (TASKIFAI_PG2_PORT)");
    String region = env.getOrDefault("TASKIFAI_DEV_SERVER2_REGION", "eu-west");
    Path data = home.resolve("postgres-2");
    String adminPassword = secrets.random("postgres_2_admin_password", 16);
    secrets.save();
    startEmbedded(
        SECOND_SERVER_ID,
        "the second embedded PostgreSQL",
        version,
        data,
        port,
        "postgres-2-auth",
        adminPassword,
        "postgres_2_admin_password",
        "",
        walArchive(SECOND_SERVER_ID, "postgres-2-auth", secrets));
    String url = "jdbc:postgresql://" + reach + ":" + port + "/postgres";
    new com.taskifai.registry.DatabaseServers(platform)
        .upsert(
            cipher,
            SECOND_SERVER_ID,
            region,
            url,
            PasswordCheckedPostgres.SUPERUSER,
            adminPassword,
            10_000);
    recordArchive(SECOND_SERVER_ID, platform);
    notes.put(
        "PostgreSQL 2",
        "embedded "
            + version.major()
            + " on "
            + bind
            + ":"
            + port
            + ", data in "
            + data
            + "; server "
            + SECOND_SERVER_ID
            + " in region "
            + region);
    devEnv.put("TASKIFAI_DEV_SERVER2_ID", SECOND_SERVER_ID);
    devEnv.put("TASKIFAI_DEV_SERVER2_REGION", region);
    devEnv.put(SECOND_SERVER_VERSION, String.valueOf(version.major()));
    devEnv.put("TASKIFAI_DEV_SERVER2_URL", url);
    devEnv.put("TASKIFAI_DEV_SERVER2_ADMIN_USER", PasswordCheckedPostgres.SUPERUSER);
    devEnv.put("TASKIFAI_DEV_SERVER2_ADMIN_PASSWORD", adminPassword);
  }

  /** The entries this platform writes to dev.env (tests read them). */
  Map<String, String> devEnv() {
    return Map.copyOf(devEnv);
  }

  static DataSource dataSource(String url, String user, String password) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(url);
    ds.setUser(user);
    ds.setPassword(password);
    return ds;
  }

  // ---- Temporal -----------------------------------------------------------------------------

  private boolean embeddedTemporal;
  private String temporalUiUrl;
  private TemporalCli temporalCli;

  /** The Temporal CLI dev server this platform started, if any (tests kill and restart it). */
  Optional<TemporalCli> temporalCli() {
    return Optional.ofNullable(temporalCli);
  }

  private String startTemporal() throws IOException {
    String target = env.get("TASKIFAI_TEMPORAL_TARGET");
    if (target != null && !target.isBlank()) {
      notes.put("Temporal", target + " (from TASKIFAI_TEMPORAL_TARGET)");
      temporalUiUrl = env.get("TASKIFAI_TEMPORAL_UI_URL");
      return target;
    }
    int port = intEnv("TASKIFAI_TEMPORAL_PORT", 7233);
    requireFreePort(port, "the embedded Temporal server (TASKIFAI_TEMPORAL_PORT)");
    Optional<TemporalCli> cli = TemporalCli.choose(env, home, bind, port);
    if (cli.isPresent()) {
      TemporalCli server = cli.get();
      server.start();
      started.push(server);
      temporalCli = server;
      temporalUiUrl = server.uiUrl();
      notes.put(
          "Temporal",
          "Temporal CLI dev server on " + bind + ":" + port + ", data in " + server.databaseFile());
      notes.put("Temporal UI", temporalUiUrl);
      return reach + ":" + port;
    }
    BoundTemporalTestServer server = BoundTemporalTestServer.start(bind, port);
    started.push(server);
    embeddedTemporal = true;
    notes.put(
        "Temporal",
        "embedded Java test server on "
            + bind
            + ":"
            + port
            + " (no UI, forgets workflows on restart; install the temporal CLI for a real one: see README)");
    return reach + ":" + port;
  }

  // ---- Traces -------------------------------------------------------------------------------

  private String tracesUrl;

  /**
   * Starts the trace viewer when one is found ({@link TraceViewer}) and gives the {@code OTEL_*}
   * settings and {@code TASKIFAI_TRACES_URL} every platform process gets; empty (traces off) when
   * there is none, it does not start, or OTEL_TRACES_EXPORTER already says where traces go. Never a
   * reason not to start the platform: the banner says why traces are off.
   */
  private Optional<Map<String, String>> startTraces() throws IOException {
    String exporter = env.get(com.taskifai.registry.tracing.PlatformTracing.TRACES_EXPORTER);
    if (exporter != null && !exporter.isBlank()) {
      // The developer chose (an exporter of their own, or none): that choice stands.
      notes.put(
          "Traces",
          com.taskifai.registry.tracing.PlatformTracing.describe(env)
              + " (from the OTEL_* settings; no trace viewer started)");
      return Optional.empty();
    }
    TraceViewer.Choice choice = TraceViewer.choose(env, home, bind);
    if (choice.viewer().isEmpty()) {
      notes.put("Traces", choice.reason());
      return Optional.empty();
    }
    TraceViewer viewer = choice.viewer().get();
    try {
      viewer.start();
    } catch (IOException | IllegalStateException e) {
      log.warn("trace viewer not started, traces off: {}", e.getMessage());
      notes.put("Traces", "off (jaeger did not start: " + e.getMessage() + ")");
      return Optional.empty();
    }
    started.push(viewer);
    tracesUrl = viewer.uiUrl();
    notes.put("Traces", viewer.describe());
    Map<String, String> settings = new LinkedHashMap<>(viewer.otelSettings());
    settings.put(TraceViewer.TRACES_URL, tracesUrl);
    return Optional.of(settings);
  }

  /** Comment lines of dev.env: why a setting is missing. */
  private java.util.List<String> devEnvNotes() {
    if (tracesUrl != null || !notes.containsKey("Traces")) {
      return java.util.List.of();
    }
    return java.util.List.of(TraceViewer.TRACES_URL + " is not set: traces " + notes.get("Traces"));
  }

  // ---- Mail ---------------------------------------------------------------------------------

  record Mail(String host, int port, GreenMailOutbox outbox) {}

  private Mail startMail() {
    String host = env.get("TASKIFAI_SMTP_HOST");
    if (host != null && !host.isBlank()) {
      int port = intEnv("TASKIFAI_SMTP_PORT", 25);
      notes.put("SMTP", host + ":" + port + " (from TASKIFAI_SMTP_HOST)");
      return new Mail(host, port, null);
    }
    int port = intEnv("TASKIFAI_SMTP_PORT", 3025);
    requireFreePort(port, "the embedded SMTP server (TASKIFAI_SMTP_PORT)");
    if (separateProcesses) {
      // The admin API process serves it, so its portal outbox shows the mail.
      smtpServer = bind + ":" + port;
      notes.put(
          "SMTP",
          "embedded in the admin API process on "
              + bind
              + ":"
              + port
              + " (mail shows in the portal's outbox)");
      return new Mail(reach, port, null);
    }
    GreenMail greenMail = new GreenMail(new ServerSetup(port, bind, ServerSetup.PROTOCOL_SMTP));
    greenMail.start();
    started.push(greenMail::stop);
    notes.put("SMTP", "embedded on " + bind + ":" + port + " (mail shows in the portal's outbox)");
    return new Mail(reach, port, new GreenMailOutbox(greenMail));
  }

  // ---- helpers ------------------------------------------------------------------------------

  private String require(String key) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(
          key + " must be set when TASKIFAI_DB_URL points at a real server");
    }
    return v;
  }

  private int intEnv(String key, int fallback) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(key + " must be a port number, got '" + v + "'");
    }
  }

  static void requireFreePort(int port, String what) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "port "
              + port
              + " for "
              + what
              + " is taken by another program; free it or set another port");
    }
  }

  static boolean listening(String host, int port, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void printBanner() {
    System.out.println(banner());
  }

  /** What {@code ./taskifai dev} or {@code up} prints once the platform is up (tests read it). */
  String banner() {
    if (separateProcesses) {
      return topologyBanner();
    }
    StringBuilder b = new StringBuilder();
    b.append("\n  TaskifAI dev platform is up\n\n");
    b.append("  Admin portal + API   ").append(devEnv.get("TASKIFAI_ADMIN_URL")).append('\n');
    b.append("  Routing runtime      ")
        .append(devEnv.get("TASKIFAI_ROUTER_URL"))
        .append(" (tenants at http://<subdomain>.")
        .append(devEnv.get("TASKIFAI_BASE_DOMAIN"))
        .append(':')
        .append(URI.create(devEnv.get("TASKIFAI_ROUTER_URL")).getPort())
        .append(")\n");
    b.append("  Metrics (loopback)   http://127.0.0.1:")
        .append(devEnv.get("TASKIFAI_ADMIN_MANAGEMENT_PORT"))
        .append("/actuator/prometheus (admin API), http://127.0.0.1:")
        .append(devEnv.get("TASKIFAI_ROUTER_MANAGEMENT_PORT"))
        .append("/actuator/prometheus (router)\n");
    notes.forEach(
        (k, v) -> b.append("  ").append(String.format("%-20s ", k)).append(v).append('\n'));
    b.append("  Dev admin login      ")
        .append(devEnv.get("TASKIFAI_ADMIN_EMAIL"))
        .append(" (password and TOTP secret in .taskifai/dev.env)\n");
    if (demo != null) {
      b.append("  Demo tenant          ")
          .append(devEnv.get("TASKIFAI_DEMO_URL"))
          .append("  sign in as ")
          .append(demo.email())
          .append(" / ")
          .append(demo.password())
          .append('\n');
    }
    b.append("  Settings             ").append(home.resolve("dev.env")).append('\n');
    b.append("\n  Ctrl-C stops everything.\n");
    return b.toString();
  }

  private String topologyBanner() {
    StringBuilder b = new StringBuilder();
    b.append("\n  TaskifAI platform is up: separate processes (./taskifai up)\n\n");
    b.append("  Admin portal + API   ").append(devEnv.get("TASKIFAI_ADMIN_URL")).append('\n');
    String router2 = devEnv.get("TASKIFAI_ROUTER2_URL");
    b.append("  Routers              ")
        .append(devEnv.get("TASKIFAI_ROUTER_URL"))
        .append(", ")
        .append(router2)
        .append(" (tenants at http://<subdomain>.")
        .append(devEnv.get("TASKIFAI_BASE_DOMAIN"))
        .append(":<router port>)\n");
    b.append("  Processes (pid, metrics, log)\n");
    for (PlatformTopology.Child c : topology.children()) {
      URI probe = c.readiness;
      b.append(String.format("    %-9s pid %-8d ", c.name, c.process().pid()))
          .append("http://")
          .append(probe.getHost())
          .append(':')
          .append(probe.getPort())
          .append("/actuator/prometheus  ")
          .append(c.log)
          .append('\n');
    }
    notes.forEach(
        (k, v) -> b.append("  ").append(String.format("%-20s ", k)).append(v).append('\n'));
    b.append("  Dev admin login      ")
        .append(devEnv.get("TASKIFAI_ADMIN_EMAIL"))
        .append(" (password and TOTP secret in .taskifai/dev.env)\n");
    b.append("  Settings             ").append(home.resolve("dev.env")).append('\n');
    b.append("\n  Ctrl-C stops everything.\n");
    return b.toString();
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }
}
