package com.taskifai.registry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real embedded server with pgBackRest archiving on: a write and a WAL switch reach the encrypted
 * repository, and the server health reads the newest archived segment from {@code
 * pg_stat_archiver}. Skipped where pgbackrest is not installed, except under {@code CI=true}.
 */
class WalArchiveTest {
  private static final String PASSWORD = "wal-archive-test-superuser";
  private static final String PASSPHRASE = "a-test-passphrase-of-some-length";

  @TempDir Path home;

  @Test
  void aSwitchedWalSegmentIsArchivedEncryptedAndTheServerHealthReportsItYoungerThanAMinute()
      throws Exception {
    Path tool = requireTool();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = home.resolve("data");
    Path repository = home.resolve("backups/pitr/local-archiving");
    WalArchive archive = WalArchive.of(tool, repository, home.resolve("auth"), PASSPHRASE, 7);
    try (EmbeddedPostgres pg =
        PasswordCheckedPostgres.start(
            archive.configure(
                EmbeddedPostgres.builder().setDataDirectory(data).setPort(port), data, port),
            home.resolve("auth"),
            PASSWORD)) {
      archive.createStanza(pg, PASSWORD);
      archive.createStanza(pg, PASSWORD); // a second call finds the stanza and changes nothing

      String segment;
      try (Connection c = pg.getPostgresDatabase().getConnection();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE pitr_probe (id int)");
        st.execute("INSERT INTO pitr_probe VALUES (1)");
        try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
          rs.next();
          segment = rs.getString(1);
        }
      }

      String info = waitForArchived(archive, segment, Duration.ofSeconds(30));
      assertThat(info).contains("\"cipher\":\"aes-256-cbc\"");
      Path archived = findArchived(repository, segment);
      assertThat(archived).as("segment " + segment + " in the repository").isNotNull();
      assertThat(Files.readAllBytes(archived))
          .as("encrypted at rest")
          .startsWith("Salted__".getBytes());
      Path config = home.resolve("auth/pgbackrest.conf");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
          .isEqualTo("rw-------");

      var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k")));
      var servers = new DatabaseServers(TestPostgres.platform().platform());
      servers.upsert(
          cipher,
          "archiving-1",
          "local",
          "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
          "postgres",
          PASSWORD,
          5);
      servers.upsert(
          cipher,
          "plain-1",
          "local",
          TestPostgres.jdbcUrl("postgres"),
          "postgres",
          TestPostgres.superuserPassword(),
          5);
      var health = new ServerHealth(servers, cipher, Duration.ofSeconds(3)).all();

      var on = health.get(0).archiving();
      assertThat(health.get(0).server().id()).isEqualTo("archiving-1");
      assertThat(on.enabled()).isTrue();
      assertThat(on.reason()).isNull();
      assertThat(on.failures()).isZero();
      assertThat(on.newestWalAt()).isAfter(Instant.now().minusSeconds(60));
      assertThat(on.ageSeconds()).isBetween(0L, 59L);
      assertThat(on.stalled(Duration.ofMinutes(5))).isFalse();

      var off = health.get(1).archiving();
      assertThat(off.enabled()).isFalse();
      assertThat(off.newestWalAt()).isNull();
      assertThat(off.reason()).contains("archive_mode is off").contains("TASKIFAI_PITR=on");
    }
  }

  @Test
  void anArchiveRefusesAShortPassphraseAndAZeroRetention() {
    Path tool = Path.of("/usr/bin/pgbackrest");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> WalArchive.of(tool, home, home, "short", 7))
        .hasMessageContaining("at least 16 characters");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> WalArchive.of(tool, home, home, PASSPHRASE, 0))
        .hasMessageContaining("at least 1 day");
  }

  private static Path requireTool() {
    var tool = WalArchive.findTool();
    if (tool.isEmpty()) {
      String why = "pgbackrest is not installed (apt-get install pgbackrest)";
      assertThat("true".equals(System.getenv("CI"))).as(why + " (required when CI=true)").isFalse();
      Assumptions.abort(why);
    }
    return tool.get();
  }

  private static String waitForArchived(WalArchive archive, String segment, Duration limit)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    String info = archive.infoJson();
    while (System.nanoTime() < deadline) {
      info = archive.infoJson();
      String max = info.replaceAll("(?s).*\"max\":\"([0-9A-F]{24})\".*", "$1");
      if (max.length() == 24 && max.compareTo(segment) >= 0) {
        return info;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("segment " + segment + " was not archived in " + limit + ": " + info);
  }

  private static Path findArchived(Path repository, String segment) throws Exception {
    try (Stream<Path> files = Files.walk(repository)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith(segment + "-"))
          .min(Comparator.naturalOrder())
          .orElse(null);
    }
  }
}
