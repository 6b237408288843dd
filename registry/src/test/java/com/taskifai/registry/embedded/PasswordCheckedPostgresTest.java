package com.taskifai.registry.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The embedded server the tests share checks every password, as a production server does. */
class PasswordCheckedPostgresTest {

  @Test
  void aWrongPasswordForATenantAppRoleIsRefusedAndTheRightOneIsTaken() throws Exception {
    String database = TestPostgres.createDatabase("pwcheck");
    String appRole = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "_app";
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE ROLE " + appRole + " LOGIN PASSWORD 'the-right-one'",
        "GRANT CONNECT ON DATABASE " + database + " TO " + appRole);

    assertThatThrownBy(() -> connect("127.0.0.1", database, appRole, "a-wrong-one"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    assertThatThrownBy(() -> connect("127.0.0.1", database, appRole, null))
        .isInstanceOf(SQLException.class);
    try (Connection c = connect("127.0.0.1", database, appRole, "the-right-one")) {
      assertThat(c.isValid(1)).isTrue();
    }
    if (ipv6Loopback()) {
      assertThatThrownBy(() -> connect("[::1]", database, appRole, "a-wrong-one"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }
  }

  @Test
  void theSuperuserProvesItsPasswordToo() throws Exception {
    assertThatThrownBy(() -> connect("127.0.0.1", "postgres", "postgres", null))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> connect("127.0.0.1", "postgres", "postgres", "not-it"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    // What zonky hands out carries the password.
    try (Connection c = TestPostgres.server().getPostgresDatabase().getConnection()) {
      assertThat(c.isValid(1)).isTrue();
    }
    assertThat(
            JdbcClient.create(TestPostgres.superuser("postgres"))
                .sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")
                .query(String.class)
                .single())
        .startsWith("SCRAM-SHA-256$");
  }

  @Test
  void theServerHasNoTrustRule() {
    List<String> methods =
        JdbcClient.create(TestPostgres.superuser("postgres"))
            .sql("SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE error IS NULL")
            .query(String.class)
            .list();
    assertThat(methods).containsExactly("scram-sha-256");
  }

  @Test
  void aDataFolderMadeWithAnotherSuperuserPasswordIsRefusedWithAClearError(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    try (EmbeddedPostgres first =
        PasswordCheckedPostgres.start(
            EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false),
            dir.resolve("auth"),
            "first-password")) {
      assertThat(first.getPostgresDatabase().getConnection().isValid(1)).isTrue();
    }
    assertThat(Files.list(dir.resolve("auth")).map(p -> p.getFileName().toString()))
        .containsExactly("pg_hba.conf");

    EmbeddedPostgres.Builder again =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setPGStartupWait(java.time.Duration.ofSeconds(3));
    try {
      assertThatThrownBy(
              () -> PasswordCheckedPostgres.start(again, dir.resolve("auth"), "second-password"))
          .isInstanceOf(PasswordCheckedPostgres.SuperuserPasswordRefused.class)
          .hasMessageContaining("refuses the superuser password")
          .hasMessageNotContaining("second-password")
          .hasMessageNotContaining("first-password");
    } finally {
      // zonky leaves the refused server running until the JVM exits: stop it now.
      Path pid = data.resolve("postmaster.pid");
      if (Files.exists(pid)) {
        long id = Long.parseLong(Files.readAllLines(pid).get(0).strip());
        ProcessHandle.of(id)
            .ifPresent(
                h -> {
                  h.destroy();
                  h.onExit().orTimeout(20, TimeUnit.SECONDS).join();
                });
      }
    }
  }

  private static Connection connect(String host, String database, String user, String password)
      throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://" + host + ":" + TestPostgres.port() + "/" + database, p);
  }

  private static boolean ipv6Loopback() {
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://[::1]:" + TestPostgres.port() + "/postgres",
            "postgres",
            TestPostgres.superuserPassword())) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }
}
