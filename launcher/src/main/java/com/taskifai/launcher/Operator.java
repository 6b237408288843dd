package com.taskifai.launcher;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.taskifai.activities.ProvisioningSettings;
import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.PlatformAdmins;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.settings.DbSettings;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.settings.Settings;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The operator's commands against a real platform database, configured from the environment ({@code
 * TASKIFAI_DB_URL}, {@code _USER}, {@code _PASSWORD}, {@code TASKIFAI_DB_ADMIN_USER}, {@code
 * _ADMIN_PASSWORD}, the master keys):
 *
 * <pre>
 *   init [--admin-email E] [--server-id ID] [--region R] [--capacity N]
 *        migrate the platform database, register the first database server (the cluster of
 *        TASKIFAI_DB_URL), create the first platform admin (password TASKIFAI_ADMIN_PASSWORD) and
 *        print its TOTP enrolment once
 *   admins add --email E          a platform admin (password TASKIFAI_ADMIN_PASSWORD); prints enrolment
 *   admins remove --email E
 *   admins reset-mfa --email E    a new TOTP secret; prints enrolment
 *   servers add --id ID --region R --url JDBC_URL --admin-user U [--capacity N]
 *               [--connection-budget N] [--private-network true]
 *                                 (admin password TASKIFAI_SERVER_ADMIN_PASSWORD; checked to
 *                                 connect before it is stored)
 *   servers list                  each server with its health: tenants, version, size, free slots
 *   servers drain ID [--concurrency N] [--grace PT24H]
 *                                 set the server DRAINING and start its drain (TASKIFAI_TEMPORAL_*)
 * </pre>
 */
final class Operator {
  static final String ISSUER = "TaskifAI";

  private final Map<String, String> env;
  private final Settings settings;
  private final PrintStream out;

  Operator(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.settings = Settings.of(env);
    this.out = out;
  }

  /** Runs one command; returns the process exit code (0 done, 2 refused input, 1 failure). */
  int run(String[] args) {
    try {
      if (args.length == 0) {
        throw new Refused("say what to do: init, admins or servers");
      }
      Map<String, String> options = options(args);
      String command =
          args[0] + (args.length > 1 && !args[1].startsWith("--") ? " " + args[1] : "");
      switch (command) {
        case "init" -> init(options);
        case "admins add" -> adminAdd(require(options, "email"));
        case "admins remove" -> adminRemove(require(options, "email"));
        case "admins reset-mfa" -> adminResetMfa(require(options, "email"));
        case "servers add" -> serverAdd(options);
        case "servers list" -> serverList();
        case "servers drain" -> serverDrain(args, options);
        default -> throw new Refused("unknown command '" + command + "'");
      }
      return 0;
    } catch (Refused | IllegalArgumentException | IllegalStateException e) {
      out.println("taskifai: " + e.getMessage());
      return 2;
    } catch (RuntimeException | SQLException e) {
      out.println("taskifai: failed: " + e.getMessage());
      return 1;
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  private void init(Map<String, String> options) {
    ProductionSettings.check(env, ProductionSettings.Process.INIT);
    DbSettings platformDb = platformDb();
    String platformUrl = platformDb.url();
    String role = platformDb.username();
    String database = platformUrl.replaceFirst("^.*/([^/?]+)(\\?.*)?$", "$1");
    OperatorSettings.Role owner = owner();
    DevDatabases.Database db =
        new DevDatabases.Database(
            platformUrl.replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1"),
            owner.user(),
            owner.password(),
            platformUrl,
            platformDb.password());
    CredentialCipher cipher = cipher();
    String email = options.getOrDefault("admin-email", orEmpty(operator().admin().email()));
    if (email.isBlank()) {
      throw new Refused("init needs --admin-email (or TASKIFAI_ADMIN_EMAIL) for the first admin");
    }
    String password = adminPassword();
    String serverId = options.getOrDefault("server-id", "pg-1");
    String region =
        options.getOrDefault("region", settings.bind(ProvisioningSettings.class).defaultRegion());
    int capacity = Integer.parseInt(options.getOrDefault("capacity", "500"));

    PlatformBootstrap.migrate(db, database, role);
    out.println("platform database " + database + " migrated");
    PlatformBootstrap.registerServer(db, role, cipher, serverId, region, capacity);
    out.println("database server " + serverId + " (" + region + ") registered: " + db.clusterUrl());
    AdminAccounts admins = admins(cipher);
    if (admins.exists(email)) {
      out.println("platform admin " + email + " exists already; left as it is");
      return;
    }
    String secret = TotpCodes.newSecret();
    admins.createOrUpdate(email, password, secret);
    out.println("platform admin " + email + " created");
    printEnrolment(email, secret);
  }

  private void adminAdd(String email) {
    AdminAccounts admins = admins(cipher());
    if (admins.exists(email)) {
      throw new Refused("platform admin " + email + " exists already (reset-mfa gives a new code)");
    }
    String secret = TotpCodes.newSecret();
    admins.createOrUpdate(email, adminPassword(), secret);
    out.println("platform admin " + email + " created");
    printEnrolment(email, secret);
  }

  private void adminRemove(String email) {
    // The platform role may not delete admins; the database owner may.
    OperatorSettings.Role role = owner();
    DataSource owner = DevPlatform.dataSource(platformDb().url(), role.user(), role.password());
    if (!new PlatformAdmins(owner).remove(email)) {
      throw new Refused("no platform admin " + email);
    }
    out.println("platform admin " + email + " removed");
  }

  private void adminResetMfa(String email) {
    String secret = TotpCodes.newSecret();
    if (!admins(cipher()).resetMfa(email, secret)) {
      throw new Refused("no platform admin " + email);
    }
    out.println("platform admin " + email + ": new TOTP secret, the old one no longer works");
    printEnrolment(email, secret);
  }

  private void serverAdd(Map<String, String> o) throws SQLException {
    DatabaseServers.NewServer server =
        new DatabaseServers.NewServer(
            require(o, "id"),
            require(o, "region"),
            require(o, "url"),
            require(o, "admin-user"),
            required(operator().server().admin().password(), "TASKIFAI_SERVER_ADMIN_PASSWORD"),
            Integer.parseInt(o.getOrDefault("capacity", "500")),
            Integer.parseInt(
                o.getOrDefault(
                    "connection-budget",
                    Integer.toString(DatabaseServers.DEFAULT_CONNECTION_BUDGET))));
    Map<String, String> problems = server.problems();
    if (!problems.isEmpty()) {
      throw new Refused(
          problems.entrySet().stream()
              .map(e -> e.getKey() + " " + e.getValue())
              .collect(java.util.stream.Collectors.joining("; ")));
    }
    boolean privateNetwork = Boolean.parseBoolean(o.getOrDefault("private-network", "false"));
    if (ProductionSettings.isProduction(env)) {
      DatabaseServers.tlsProblem(server.jdbcUrl(), privateNetwork)
          .ifPresent(
              p -> {
                throw new Refused("--url " + p + " (--private-network true)");
              });
    }
    String version;
    try {
      version =
          ServerHealth.probe(
              server.jdbcUrl(),
              server.adminUsername(),
              server.adminPassword(),
              ServerHealth.DEFAULT_TIMEOUT);
    } catch (SQLException e) {
      throw new Refused(
          "database server "
              + server.id()
              + " did not accept a connection as "
              + server.adminUsername()
              + ": "
              + e.getMessage().lines().findFirst().orElse("")
              + "; nothing was stored");
    }
    DatabaseServers servers = new DatabaseServers(platform());
    servers.upsert(cipher(), server);
    servers.setPrivateNetwork(server.id(), privateNetwork);
    out.println("database server " + server.id() + " registered (PostgreSQL " + version + ")");
  }

  private void serverList() {
    DatabaseServers servers = new DatabaseServers(platform());
    out.printf(
        "%-16s %-12s %-8s %13s %6s %-10s %10s %11s  %s%n",
        "ID",
        "REGION",
        "STATE",
        "TENANTS/CAP",
        "BUDGET",
        "VERSION",
        "DB SIZE",
        "FREE SLOTS",
        "URL");
    for (ServerHealth.Health h :
        new ServerHealth(servers, cipher(), ServerHealth.DEFAULT_TIMEOUT).all()) {
      DatabaseServers.Server s = h.server();
      out.printf(
          "%-16s %-12s %-8s %13s %6d %-10s %10s %11s  %s%n",
          s.id(),
          s.region(),
          s.state(),
          h.tenants() + "/" + s.capacity(),
          s.connectionBudget(),
          h.reachable() ? h.version() : "-",
          h.reachable() ? megabytes(h.databasesBytes()) : "-",
          h.reachable() ? h.freeConnections() + "/" + h.maxConnections() : "-",
          s.jdbcUrl());
      if (!h.reachable()) {
        out.println("  " + s.id() + " unreachable: " + h.error());
      }
    }
  }

  private static String megabytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
  }

  private void serverDrain(String[] args, Map<String, String> o) {
    String id = args.length > 2 && !args[2].startsWith("--") ? args[2] : require(o, "id");
    // The API's record: TASKIFAI_MOVE_GRACE and TASKIFAI_DRAIN_CONCURRENCY, the same defaults.
    com.taskifai.api.FleetSettings fleet = settings.bind(com.taskifai.api.FleetSettings.class);
    int concurrency =
        o.containsKey("concurrency")
            ? Integer.parseInt(o.get("concurrency"))
            : fleet.drainConcurrency();
    java.time.Duration grace =
        o.containsKey("grace") ? java.time.Duration.parse(o.get("grace")) : fleet.moveGrace();
    com.taskifai.workflows.client.TemporalConnection temporal =
        com.taskifai.workflows.client.TemporalConnection.fromEnvironment(env);
    io.temporal.serviceclient.WorkflowServiceStubs stubs =
        temporal.connect(java.time.Duration.ofSeconds(10));
    try {
      io.temporal.client.WorkflowClient client =
          io.temporal.client.WorkflowClient.newInstance(stubs, temporal.clientOptions());
      com.taskifai.api.servers.DrainStarter.Started started;
      try {
        started =
            new com.taskifai.api.servers.DrainStarter(
                    new com.taskifai.registry.DatabaseServers(platform()),
                    new com.taskifai.registry.ServerDrains(platform()),
                    new com.taskifai.api.temporal.MoveWorkflows(
                        new com.taskifai.api.temporal.TemporalCalls(
                            client, java.time.Duration.ofSeconds(10), null),
                        false))
                .start(id, concurrency, grace.toSeconds(), "operator");
      } catch (com.taskifai.api.servers.DrainStarter.Refused e) {
        throw new Refused(e.getMessage());
      }
      out.println(
          "database server "
              + id
              + " is DRAINING; "
              + (started.alreadyRunning() ? "its drain runs already: " : "drain started: ")
              + started.workflowId());
    } finally {
      stubs.shutdown();
    }
  }

  // ---- enrolment ----------------------------------------------------------------------------

  /** The otpauth URI authenticator apps read (RFC 6238 defaults: SHA1, 6 digits, 30 s). */
  static String otpauthUri(String email, String secret) {
    String label = URLEncoder.encode(ISSUER + ":" + email, StandardCharsets.UTF_8);
    return "otpauth://totp/"
        + label
        + "?secret="
        + secret
        + "&issuer="
        + ISSUER
        + "&algorithm=SHA1&digits=6&period=30";
  }

  private void printEnrolment(String email, String secret) {
    String uri = otpauthUri(email, secret);
    out.println();
    out.println("Scan this code with an authenticator app (shown once, not stored in clear):");
    out.println(terminalQr(uri));
    out.println(uri);
    out.println();
  }

  /** A QR code in terminal characters: two modules per character cell with half blocks. */
  static String terminalQr(String text) {
    BitMatrix m;
    try {
      m = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, Map.of());
    } catch (WriterException e) {
      throw new IllegalStateException("cannot draw the QR code", e);
    }
    // Dark modules print as spaces on a light quiet zone, which reads on dark and light terminals.
    StringBuilder b = new StringBuilder();
    int quiet = 2;
    for (int y = -quiet; y < m.getHeight() + quiet; y += 2) {
      for (int x = -quiet; x < m.getWidth() + quiet; x++) {
        boolean top = dark(m, x, y);
        boolean bottom = dark(m, x, y + 1);
        b.append(top ? (bottom ? ' ' : '▄') : (bottom ? '▀' : '█'));
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static boolean dark(BitMatrix m, int x, int y) {
    return x >= 0 && y >= 0 && x < m.getWidth() && y < m.getHeight() && m.get(x, y);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * The platform admins as the platform role may change them (the registry's rows, sealed here).
   */
  private AdminAccounts admins(CredentialCipher cipher) {
    return new AdminAccounts(new PlatformAdmins(platform()), cipher);
  }

  private DataSource platform() {
    DbSettings db = platformDb();
    return DevPlatform.dataSource(db.url(), db.username(), db.password());
  }

  /**
   * The platform database as the platform role; its URL and password must be set (the record's
   * default URL would name a database the operator did not choose).
   */
  private DbSettings platformDb() {
    if (!settings.isSet("taskifai.db.url")) {
      throw new Refused("TASKIFAI_DB_URL must be set");
    }
    DbSettings db = settings.bind(DbSettings.class);
    required(db.password(), "TASKIFAI_DB_PASSWORD");
    return db;
  }

  /** The owner of the platform database: its user must be set, its password may be empty. */
  private OperatorSettings.Role owner() {
    OperatorSettings.Role role = operator().db().admin();
    return new OperatorSettings.Role(
        required(role.user(), "TASKIFAI_DB_ADMIN_USER"), orEmpty(role.password()));
  }

  private String adminPassword() {
    return required(operator().admin().password(), "TASKIFAI_ADMIN_PASSWORD");
  }

  private OperatorSettings operator() {
    return settings.bind(OperatorSettings.class);
  }

  private CredentialCipher cipher() {
    return new CredentialCipher(KeyRing.fromEnvironment(env, null));
  }

  /** The value, or a refusal that names the environment variable to set. */
  private static String required(String value, String envName) {
    if (value == null || value.isBlank()) {
      throw new Refused(envName + " must be set");
    }
    return value;
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String require(Map<String, String> options, String key) {
    String v = options.get(key);
    if (v == null || v.isBlank()) {
      throw new Refused("--" + key + " is required");
    }
    return v;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String key = args[i].substring(2);
        int eq = key.indexOf('=');
        if (eq > 0) {
          options.put(key.substring(0, eq), key.substring(eq + 1));
        } else if (i + 1 < args.length) {
          options.put(key, args[++i]);
        } else {
          throw new Refused("--" + key + " needs a value");
        }
      }
    }
    return options;
  }

  /** Bad input from the operator: exit code 2 with the message. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }
}
