package com.taskifai.registry.testing;

import com.taskifai.registry.PlatformDatabase;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server for tests: one embedded server per test JVM, started on first use and
 * stopped when the JVM exits. Each test gets databases of its own, so tests do not see each other's
 * rows.
 *
 * <p>The server checks passwords as a production server does ({@link PasswordCheckedPostgres}):
 * every connection, the superuser's included, proves its password with scram-sha-256. The
 * superuser's password is generated for each test JVM; {@link #superuser(String)} carries it.
 */
public final class TestPostgres {
  /** Password of the platform role in test platform databases. */
  public static final String PLATFORM_PASSWORD = "test-platform-pw";

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String SUPERUSER_PASSWORD = newPassword();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  /** The shared server, started on first use. */
  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      Path config;
      try {
        config = Files.createTempDirectory("taskifai-test-pg");
        server =
            PasswordCheckedPostgres.start(
                EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    // Room for the apply and table-copy workers of moves onto it run at once
                    // (it stays at wal_level = replica: moves off it use pg_dump).
                    .setServerConfig("max_logical_replication_workers", "8")
                    .setServerConfig("max_worker_processes", "16"),
                config,
                SUPERUSER_PASSWORD);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                      try (var files = Files.walk(config)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                      }
                    } catch (IOException ignored) {
                      // The JVM is going away; the folders are temporary.
                    }
                  }));
    }
    return server;
  }

  public static int port() {
    return server().getPort();
  }

  /** JDBC URL of a database on the shared server. */
  public static String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /** The superuser ({@code postgres}, with its password) on a database. */
  public static DataSource superuser(String database) {
    return dataSource(database, PasswordCheckedPostgres.SUPERUSER, SUPERUSER_PASSWORD);
  }

  /**
   * The password of the superuser {@code postgres}, generated for this test JVM: for rows that name
   * the server's admin (database servers) and for components that connect as it.
   */
  public static String superuserPassword() {
    return SUPERUSER_PASSWORD;
  }

  public static DataSource dataSource(String database, String user, String password) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl(database));
    ds.setUser(user);
    if (password != null) {
      ds.setPassword(password);
    }
    return ds;
  }

  /** A new empty database with a unique name starting with {@code prefix}. */
  public static String createDatabase(String prefix) {
    String name = prefix + "_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
    execute(superuser("postgres"), "CREATE DATABASE " + name);
    return name;
  }

  /** Runs statements as the superuser on a database. */
  public static void execute(DataSource ds, String... statements) {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A new platform database, migrated, with its own non-superuser platform role. Use {@link
   * Platform#platform()} the way the platform does and {@link Platform#owner()} for checks.
   */
  public static Platform platform() {
    String db = createDatabase("platform");
    String role = "platform_" + UUID.randomUUID().toString().substring(0, 8);
    PlatformDatabase.ensureDatabaseAndRole(superuser("postgres"), db, role, PLATFORM_PASSWORD);
    PlatformDatabase.migrate(superuser(db), role);
    return new Platform(
        db, role, jdbcUrl(db), superuser(db), dataSource(db, role, PLATFORM_PASSWORD));
  }

  private static String newPassword() {
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** A migrated platform database and the two ways to reach it. */
  public record Platform(
      String database, String role, String jdbcUrl, DataSource owner, DataSource platform) {}
}
