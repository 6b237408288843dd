package com.taskifai.launcher;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.embedded.WalArchive;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 *
 * <p>The environment is read once into {@link DevSettings}; the servers are started by {@link
 * DevDatabases} and {@link DevServices}; what they made is one {@link DevConfiguration}, which
 * renders dev.env and each process's settings; {@link DevBanner} prints the result.
 */
public final class DevPlatform implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevPlatform.class);

  static final String PLATFORM_DATABASE = DevDatabases.PLATFORM_DATABASE;
  static final String PLATFORM_ROLE = DevConfiguration.PLATFORM_ROLE;
  static final String LOCAL_SERVER_ID = DevDatabases.LOCAL_SERVER_ID;
  static final String SECOND_SERVER_ID = DevDatabases.SECOND_SERVER_ID;
  static final String DEV_SERVERS = DevSettings.DEV_SERVERS;

  /** The PostgreSQL major version of the second embedded server: 15 (the default) or 17. */
  static final String SECOND_SERVER_VERSION = DevSettings.SECOND_SERVER_VERSION;

  static final String DEV_ADMIN_EMAIL = DevSettings.DEV_ADMIN_EMAIL;

  /** The platform admin account that builds the demo tenant in {@code ./taskifai dev}. */
  static final String DEMO_BUILDER_EMAIL = "demo-builder@taskifai.localhost";

  /** The environment key of the address every dev listener binds to. */
  static final String DEV_BIND = DevSettings.DEV_BIND;

  /**
   * The second setting a non-loopback {@link #DEV_BIND} needs ({@code true}): asked twice, because
   * it exposes servers without credentials.
   */
  static final String DEV_EXPOSE = DevSettings.DEV_EXPOSE;

  /** The environment key that turns the demo tenant off ({@code false}); it is on by default. */
  static final String DEV_DEMO = DevSettings.DEV_DEMO;

  /** The command-line flag that offboards the demo tenant and builds it again. */
  static final String RESET_DEMO = "--reset-demo";

  private final DevSettings settings;
  private final Path home;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, String> notes = new LinkedHashMap<>();
  private final DevDatabases databases;
  private final DevServices services;
  private boolean resetDemo;
  private DemoTenant.Outcome demo;
  private DevDatabases.SecondServer secondServer;
  private DevConfiguration config;
  private PlatformTopology topology;
  private PlatformProcesses processes;
  private TemporalCli temporalCli;

  /** False in tests that only read the separate processes' settings: they are not started. */
  private boolean launchChildren = true;

  DevPlatform(Map<String, String> env, Path home) {
    this(env, home, false);
  }

  /**
   * A platform on {@code env}; {@code separateProcesses} for {@code ./taskifai up}: the worker, the
   * admin API and the router run as separate JVM processes (two workers, two routers, one API;
   * {@link PlatformTopology}) on the Temporal CLI's server, instead of inside this JVM.
   */
  DevPlatform(Map<String, String> env, Path home, boolean separateProcesses) {
    this.settings = DevSettings.fromEnvironment(env, separateProcesses);
    this.home = home;
    this.databases = new DevDatabases(settings, home, started, notes);
    this.services = new DevServices(settings, home, started, notes);
  }

  /** Builds the separate processes of {@code ./taskifai up} without starting them (tests). */
  DevPlatform withoutLaunchingChildren() {
    this.launchChildren = false;
    return this;
  }

  /** The platform's processes inside this JVM, once started (tests). */
  Optional<PlatformProcesses> processes() {
    return Optional.ofNullable(processes);
  }

  /** The separate platform processes of {@code ./taskifai up}, once started (tests). */
  Optional<PlatformTopology> topology() {
    return Optional.ofNullable(topology);
  }

  /** The configuration the platform runs on, once started (tests). */
  Optional<DevConfiguration> configuration() {
    return Optional.ofNullable(config);
  }

  /** The address dev listeners bind to: {@code TASKIFAI_DEV_BIND}, else 127.0.0.1. */
  static String bindAddress(Map<String, String> env) {
    return DevSettings.bindAddress(env);
  }

  /** True when {@code bind} is a loopback address (or a name for one): nothing else reaches it. */
  static boolean loopback(String bind) {
    return DevSettings.loopback(bind);
  }

  /** See {@link DevSettings#exposure}. */
  static Optional<String> exposure(Map<String, String> env) {
    return DevSettings.exposure(env);
  }

  /** Where this machine reaches a listener bound to {@code bind}. */
  static String reachableAddress(String bind) {
    return DevSettings.reachableAddress(bind);
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
    Path home = DevSettings.home(env);
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
    System.out.println(platform.banner());
    stopped.await();
    lock.get().close();
  }

  public void start() throws Exception {
    Optional<String> exposed = exposure(settings.environment());
    if (exposed.isPresent()) {
      log.warn("{}", exposed.get());
      notes.put("EXPOSED", exposed.get());
    }
    requireFreePort(settings.adminPort(), "the admin API (TASKIFAI_ADMIN_PORT)");
    requireFreePort(settings.routerPort(), "the routing runtime (TASKIFAI_ROUTER_PORT)");
    // Metrics and the actuator's other endpoints listen on loopback ports of their own.
    requireFreePort(
        settings.adminManagementPort(), "the admin API's metrics (TASKIFAI_ADMIN_MANAGEMENT_PORT)");
    requireFreePort(
        settings.routerManagementPort(),
        "the routing runtime's metrics (TASKIFAI_ROUTER_MANAGEMENT_PORT)");
    settings.upPorts().forEach((key, port) -> requireFreePort(port, key));

    DevSecrets secrets = new DevSecrets(home.resolve("dev-secrets.properties"));
    KeyRing keys = KeyRing.fromEnvironment(settings.environment(), home.resolve("master.keys"));
    CredentialCipher cipher = new CredentialCipher(keys);

    DevDatabases.Database db = databases.start(secrets);
    PlatformBootstrap.migrate(db, PLATFORM_DATABASE, PLATFORM_ROLE);
    PlatformBootstrap.registerServer(db, PLATFORM_ROLE, cipher, LOCAL_SERVER_ID, "local", 10_000);
    databases.recordArchive(LOCAL_SERVER_ID, db.platform());
    if (settings.devServers() >= 2) {
      startSecondServer(secrets, db.platform(), cipher);
    }

    DevServices.Temporal temporal = services.startTemporal();
    temporalCli = temporal.cli();
    DevServices.Mail mail = services.startMail();

    String tenantJwtSecret =
        settings.tenantJwtSecret() != null
            ? settings.tenantJwtSecret()
            : secrets.random("tenant_jwt_secret", 32);
    String adminJwtSecret =
        settings.adminJwtSecret() != null
            ? settings.adminJwtSecret()
            : secrets.random("admin_jwt_secret", 32);
    String adminPassword = secrets.random("dev_admin_password", 12);
    String adminTotp = secrets.totpSecret("dev_admin_totp_secret");
    secrets.save();
    DevServices.Traces traces = services.startTraces();
    config =
        new DevConfiguration(
            settings,
            home,
            db,
            temporal.target(),
            temporal.uiUrl(),
            temporal.embedded(),
            mail.host(),
            mail.port(),
            mail.server(),
            traces.settings(),
            traces.off(),
            tenantJwtSecret,
            adminJwtSecret,
            adminPassword,
            adminTotp,
            secondServer,
            null);

    AdminAccounts accounts = new AdminAccounts(db.platform(), cipher);
    if (settings.separateProcesses()) {
      accounts.createOrUpdate(settings.adminEmail(), adminPassword, adminTotp);
      topology = new PlatformTopology();
      config
          .children()
          .forEach(c -> topology.add(c.name(), c.role(), c.env(), c.readiness(), c.log()));
      started.push(topology);
      if (launchChildren) {
        topology.start();
      }
    } else {
      processes = PlatformProcesses.start(config, keys, mail.outbox());
      started.push(processes);
      processes.createDevAdmin(settings.adminEmail(), adminPassword, adminTotp);
    }
    writeDevEnv();

    if (settings.demo()) {
      // The demo is built by an admin account of its own: a one-time code works once per account
      // and period, so signing in as the dev admin would refuse the developer's own first login
      // in the same 30 seconds; and the audit log names the builder.
      String builderPassword = secrets.random("demo_builder_password", 16);
      String builderTotp = secrets.totpSecret("demo_builder_totp_secret");
      secrets.save();
      accounts.createOrUpdate(DEMO_BUILDER_EMAIL, builderPassword, builderTotp);
      Optional<DevDemo.Built> built =
          DevDemo.ensure(
              settings, db, secrets, mail, builderPassword, builderTotp, resetDemo, notes);
      if (built.isPresent()) {
        demo = built.get().outcome();
        config = config.withDemo(built.get().login());
        writeDevEnv();
      }
    }
  }

  /** Writes dev.env from the configuration (again once the demo tenant is there). */
  private void writeDevEnv() throws IOException {
    DevEnvFile.write(home.resolve("dev.env"), config.devEnv(), config.devEnvNotes());
  }

  // ---- PostgreSQL (DevDatabases) ------------------------------------------------------------

  /** The embedded PostgreSQL servers this platform started, by database server id. */
  Map<String, EmbeddedDatabase> embeddedDatabases() {
    return databases.embedded();
  }

  /** {@code TASKIFAI_DEV_SERVERS}: how many embedded database servers to run (1 or 2). */
  int devServers() {
    return settings.devServers();
  }

  /** The banner's line on point-in-time recovery. */
  String pitrNote() {
    return databases.pitrNote();
  }

  /** Starts the second embedded server ({@link DevDatabases#startSecond}). */
  void startSecondServer(DevSecrets secrets, DataSource platform, CredentialCipher cipher)
      throws IOException {
    secondServer = databases.startSecond(secrets, platform, cipher);
  }

  /** The entries this platform writes to dev.env (tests read them). */
  Map<String, String> devEnv() {
    if (config != null) {
      return Map.copyOf(config.devEnv());
    }
    return secondServer == null ? Map.of() : DevConfiguration.entries(secondServer);
  }

  static DataSource dataSource(String url, String user, String password) {
    return DevDatabases.dataSource(url, user, password);
  }

  /** The Temporal CLI dev server this platform started, if any (tests kill and restart it). */
  Optional<TemporalCli> temporalCli() {
    return Optional.ofNullable(temporalCli);
  }

  // ---- helpers ------------------------------------------------------------------------------

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

  /** What {@code ./taskifai dev} or {@code up} prints once the platform is up (tests read it). */
  String banner() {
    return DevBanner.of(config, notes, settings.separateProcesses() ? topology : null, demo);
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
