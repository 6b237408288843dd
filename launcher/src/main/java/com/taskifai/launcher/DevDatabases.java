package com.taskifai.launcher;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.embedded.EmbeddedPostgresVersion;
import com.taskifai.registry.embedded.LogicalReplicationSettings;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import com.taskifai.registry.embedded.WalArchive;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev platform's PostgreSQL servers: the embedded one (or a real one named by {@code
 * TASKIFAI_DB_URL}), the optional second embedded one ({@code TASKIFAI_DEV_SERVERS=2}), and their
 * WAL archives when {@code TASKIFAI_PITR} asks for them. Each server it starts is stopped with the
 * platform; what it did goes into the banner's notes.
 */
final class DevDatabases {
  private static final Logger log = LoggerFactory.getLogger(DevDatabases.class);

  static final String PLATFORM_DATABASE = "taskifai";
  static final String LOCAL_SERVER_ID = "local-1";
  static final String SECOND_SERVER_ID = "local-2";

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

    /** The platform database as the platform role. */
    DataSource platform() {
      return dataSource(platformUrl, DevConfiguration.PLATFORM_ROLE, platformPassword);
    }
  }

  /**
   * The second embedded server as dev.env names it.
   *
   * @param id its database server id
   * @param region its region
   * @param major its PostgreSQL major version
   * @param url its JDBC URL
   * @param adminUser its superuser
   * @param adminPassword that superuser's password
   */
  record SecondServer(
      String id, String region, int major, String url, String adminUser, String adminPassword) {}

  private final DevSettings settings;
  private final Path home;
  private final Deque<AutoCloseable> started;
  private final Map<String, String> notes;
  private final Map<String, EmbeddedDatabase> embedded = new LinkedHashMap<>();
  private final Map<String, WalArchive> archives = new HashMap<>();
  private final Map<String, String> pitr = new LinkedHashMap<>();
  private String pitrDisabled;

  DevDatabases(
      DevSettings settings, Path home, Deque<AutoCloseable> started, Map<String, String> notes) {
    this.settings = settings;
    this.home = home;
    this.started = started;
    this.notes = notes;
  }

  static DataSource dataSource(String url, String user, String password) {
    org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setUrl(url);
    ds.setUser(user);
    ds.setPassword(password);
    return ds;
  }

  /** The embedded PostgreSQL servers started, by database server id. */
  Map<String, EmbeddedDatabase> embedded() {
    return Map.copyOf(embedded);
  }

  /** The platform's database server: a real one when the environment names it, else embedded. */
  Database start(DevSecrets secrets) throws IOException {
    String external = settings.dbUrl();
    if (external != null) {
      // A real server: the platform database URL is given; tenant databases go beside it.
      String adminUser = require(settings.dbAdminUser(), "TASKIFAI_DB_ADMIN_USER");
      String clusterUrl = external.replaceFirst("/[^/?]+(\\?.*)?$", "/postgres$1");
      notes.put("PostgreSQL", external + " (from TASKIFAI_DB_URL)");
      return new Database(
          clusterUrl,
          adminUser,
          settings.dbAdminPassword(),
          external,
          require(settings.dbPassword(), "TASKIFAI_DB_PASSWORD"));
    }
    int port = settings.pgPort();
    DevPlatform.requireFreePort(port, "embedded PostgreSQL (TASKIFAI_PG_PORT)");
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
    String reach = settings.reach();
    String cluster = "jdbc:postgresql://" + reach + ":" + port + "/postgres";
    notes.put(
        "PostgreSQL",
        "embedded "
            + EmbeddedPostgresVersion.V15.major()
            + " on "
            + settings.bind()
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

  private static String require(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          key + " must be set when TASKIFAI_DB_URL points at a real server");
    }
    return value;
  }

  /**
   * A second embedded PostgreSQL ({@code TASKIFAI_DEV_SERVERS=2}) with a data folder, superuser
   * password and port of its own ({@code TASKIFAI_PG2_PORT}, 15433), registered as database server
   * {@code local-2} in another region ({@code TASKIFAI_DEV_SERVER2_REGION}, {@code eu-west}), so
   * placement by region, moving and draining can be tried on one machine. It runs PostgreSQL 15, or
   * 17 with {@code TASKIFAI_DEV_SERVER2_VERSION=17}, to drain tenants onto a newer major.
   */
  SecondServer startSecond(DevSecrets secrets, DataSource platform, CredentialCipher cipher)
      throws IOException {
    EmbeddedPostgresVersion version =
        EmbeddedPostgresVersion.of(settings.server2Version(), DevSettings.SECOND_SERVER_VERSION);
    int port = settings.pg2Port();
    DevPlatform.requireFreePort(port, "the second embedded PostgreSQL (TASKIFAI_PG2_PORT)");
    String region = settings.server2Region();
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
    String url = "jdbc:postgresql://" + settings.reach() + ":" + port + "/postgres";
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
            + settings.bind()
            + ":"
            + port
            + ", data in "
            + data
            + "; server "
            + SECOND_SERVER_ID
            + " in region "
            + region);
    return new SecondServer(
        SECOND_SERVER_ID,
        region,
        version.major(),
        url,
        PasswordCheckedPostgres.SUPERUSER,
        adminPassword);
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
    String bind = settings.bind();
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
    embedded.put(serverId, pg);
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
              + DevSettings.SECOND_SERVER_VERSION
              + "="
              + made
              + " to keep it, or drain its tenants onto another server and move "
              + data
              + " away to start a new PostgreSQL "
              + version.major()
              + " there");
    }
  }

  /**
   * The archive of embedded server {@code serverId} when {@code TASKIFAI_PITR} asks for one (on, or
   * auto with pgbackrest installed): a pgBackRest repository under the backup folder ({@code
   * TASKIFAI_BACKUP_DIR}, default {@code .taskifai/backups}) at {@code pitr/<server id>}, encrypted
   * with a passphrase kept in dev-secrets.properties.
   */
  Optional<WalArchive> walArchive(String serverId, String authFolder, DevSecrets secrets) {
    Map<String, String> env = settings.environment();
    WalArchive.Mode mode = WalArchive.Mode.of(env, WalArchive.Mode.OFF);
    if (mode == WalArchive.Mode.OFF) {
      pitrDisabled = "disabled (" + WalArchive.ENV + "=off)";
      return Optional.empty();
    }
    Optional<Path> tool = WalArchive.findTool(env.getOrDefault("PATH", System.getenv("PATH")));
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
    Path backups =
        Path.of(
                settings.backupDir() != null
                    ? settings.backupDir()
                    : home.resolve("backups").toString())
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
              WalArchive.retentionDays(settings.environment()));
    }
  }

  /** The banner's line on point-in-time recovery. */
  String pitrNote() {
    if (pitrDisabled != null) {
      return pitrDisabled;
    }
    return "on: WAL archived (pgBackRest, encrypted) at least every "
        + WalArchive.ARCHIVE_TIMEOUT.toSeconds()
        + " s, kept "
        + WalArchive.retentionDays(settings.environment())
        + " days; "
        + String.join(
            ", ", pitr.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
  }
}
