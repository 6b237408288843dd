package com.taskifai.registry.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.registry.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real embedded server with pgBackRest archiving on: a write and a WAL switch reach the encrypted
 * repository, and the server health reads the newest archived segment from {@code
 * pg_stat_archiver}. Skipped where pgbackrest is not installed, except under {@code CI=true}.
 */
class WalArchiveTest {
  @TempDir Path home;

  @Test
  void aSwitchedWalSegmentIsArchivedEncryptedAndTheServerHealthReportsItYoungerThanAMinute()
      throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "archiving-1")) {
      // A second stanza-create (a restart) finds the stanza valid and changes nothing.
      pg.archive().createStanza(pg.server(), ArchivingTestServer.PASSWORD);

      String segment = pg.writeAndSwitchWal();
      String info = pg.waitForArchived(segment, Duration.ofSeconds(30));

      assertThat(info).contains("\"cipher\":\"aes-256-cbc\"");
      Path archived = findArchived(pg.archive().repository(), segment);
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
          pg.jdbcUrl(),
          "postgres",
          ArchivingTestServer.PASSWORD,
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
      assertThat(on.pendingSegments()).isZero();
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
  void aFullBaseBackupMakesTheArchiveRestorableFromItsEndAndIsEncrypted() throws Exception {
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "backups-1")) {
      assertThat(pg.archive().earliestRestorable()).as("no base backup yet").isEmpty();

      Instant before = Instant.now().minusSeconds(1);
      pg.archive().backup("full", ArchivingTestServer.PASSWORD);
      Instant after = Instant.now().plusSeconds(1);

      assertThat(pg.archive().earliestRestorable())
          .hasValueSatisfying(t -> assertThat(t).isBetween(before, after));
      String info = pg.archive().infoJson();
      assertThat(info).contains("\"type\":\"full\"").contains("\"cipher\":\"aes-256-cbc\"");
      assertThatThrownBy(() -> pg.archive().backup("weekly", ArchivingTestServer.PASSWORD))
          .hasMessageContaining("full, diff or incr");
    }
  }

  @Test
  void archivingIsStalledOnlyWhenSegmentsWaitAndNothingWasArchivedForTheLimit() {
    Duration limit = Duration.ofMinutes(5);
    Instant old = Instant.now().minusSeconds(600);
    assertThat(new ServerHealth.Archiving(true, old, 600L, 0, null, 3L, null).stalled(limit))
        .isTrue();
    assertThat(new ServerHealth.Archiving(true, old, 600L, 0, null, 0L, null).stalled(limit))
        .as("an idle server")
        .isFalse();
    assertThat(new ServerHealth.Archiving(true, null, null, 4, null, 1L, null).stalled(limit))
        .as("never archived, a segment waiting")
        .isTrue();
    assertThat(
            new ServerHealth.Archiving(true, Instant.now(), 10L, 0, null, 2L, null).stalled(limit))
        .isFalse();
  }

  @Test
  void anArchiveRefusesAShortPassphraseAndAZeroRetention() {
    Path tool = Path.of("/usr/bin/pgbackrest");
    assertThatThrownBy(() -> WalArchive.of(tool, home, home, "short", 7))
        .hasMessageContaining("at least 16 characters");
    assertThatThrownBy(() -> WalArchive.of(tool, home, home, "long-enough-passphrase", 0))
        .hasMessageContaining("at least 1 day");
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
