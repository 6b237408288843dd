package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.backup.PgClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A database server that speaks TLS with a certificate of a CA made here: every kind of connection
 * the platform makes to a server (JDBC as the routers and the platform database make it, the
 * activities' admin pools, {@code pg_dump} and {@code pg_restore}) verifies it with the CA its URL
 * names, and refuses it when the URL names another CA.
 */
class DatabaseTlsTest {
  private static Path dir;
  private static EmbeddedPostgres server;
  private static byte[] archive;
  private static final PgClient pg = new PgClient(null);

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("taskifai-tls");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=taskifai test CA");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.crt",
        "-days",
        "2",
        "-subj",
        "/CN=another CA");
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1");
    Files.writeString(
        dir.resolve("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext");
    Files.setPosixFilePermissions(
        dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
    server =
        EmbeddedPostgres.builder()
            .setServerConfig("ssl", "on")
            .setServerConfig("ssl_cert_file", dir.resolve("server.crt").toString())
            .setServerConfig("ssl_key_file", dir.resolve("server.key").toString())
            .start();
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE tls_source");
      st.execute("CREATE DATABASE tls_target");
    }
    try (Connection c = server.getDatabase("postgres", "tls_source").getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE products (sku text PRIMARY KEY)");
      st.execute("INSERT INTO products VALUES ('tls-1'), ('tls-2')");
    }
    archive = dump(url("ca.crt"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void verifyFullWithTheServersCaWorksOnEveryPath() throws Exception {
    String url = url("ca.crt");
    try (Connection c = DriverManager.getConnection(url, "postgres", null)) {
      assertThat(usesTls(c)).isTrue();
    }
    try (AdminConnectionPools pools = new AdminConnectionPools()) {
      DataSource admin = pools.dataSource(url, "postgres", null);
      try (Connection c = admin.getConnection()) {
        assertThat(usesTls(c)).isTrue();
      }
    }
    // The routers' tenant pools, unpooled admin sessions and health probes: a data source by URL.
    try (Connection c = simple(url).getConnection()) {
      assertThat(usesTls(c)).isTrue();
    }
    assertThat(archive).isNotEmpty();
    assertThat(restore(url, archive)).startsWith("0:");
    try (Connection c = server.getDatabase("postgres", "tls_target").getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM products")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void aServerWhoseCertificateIsFromAnotherCaIsRefusedOnEveryPath() throws Exception {
    String url = url("other.crt");
    assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", null).close())
        .isInstanceOf(SQLException.class);
    try (AdminConnectionPools pools = new AdminConnectionPools(java.time.Duration.ofSeconds(1))) {
      DataSource admin = pools.dataSource(url, "postgres", null);
      assertThatThrownBy(() -> admin.getConnection().close()).isInstanceOf(SQLException.class);
    }
    assertThatThrownBy(() -> simple(url).getConnection().close()).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> dump(url))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("certificate verify failed");
    assertThat(restore(url, archive)).doesNotStartWith("0:").contains("certificate verify failed");
  }

  /** The server's URL checking its certificate against {@code caFile}. */
  private static String url(String caFile) {
    return "jdbc:postgresql://127.0.0.1:"
        + server.getPort()
        + "/postgres?sslmode=verify-full&sslrootcert="
        + dir.resolve(caFile);
  }

  private static DataSource simple(String url) {
    org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
    ds.setUrl(url);
    ds.setUser("postgres");
    return ds;
  }

  private static boolean usesTls(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /**
   * {@code pg_dump -Fc} of tls_source; fails (AssertionError with its errors) on a non-zero exit.
   */
  private static byte[] dump(String url) throws Exception {
    try (PgClient.Started dump =
        pg.start("pg_dump", url, "postgres", null, "tls_source", List.of("--format=custom"))) {
      byte[] out;
      try (InputStream in = dump.stdout()) {
        out = in.readAllBytes();
      }
      int exit = dump.process().waitFor();
      if (exit != 0) {
        throw new AssertionError("pg_dump exited with " + exit + ": " + dump.errors());
      }
      return out;
    }
  }

  /** Restores {@code bytes} into tls_target; answers "exit status: errors". */
  private static String restore(String url, byte[] bytes) throws Exception {
    try (PgClient.Started restore =
        pg.start("pg_restore", url, "postgres", null, "tls_target", PgClient.RESTORE_OPTIONS)) {
      try (OutputStream in = restore.process().getOutputStream()) {
        in.write(bytes);
      } catch (IOException stoppedReading) {
        // pg_restore could not connect and exited: its errors say why
      }
      assertThat(restore.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      return restore.process().exitValue() + ": " + restore.errors();
    }
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl " + args[0] + " failed: " + output);
    }
  }
}
