package com.taskifai.activities.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.PitrActivities.BaseBackupRequest;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base backup activity against a real archiving server and a real registry: it backs up with
 * pgBackRest and records the earliest restorable moment; a server without an archive is left alone;
 * a worker without pgbackrest fails without retries, naming what to install.
 */
class PitrActivitiesTest {
  @TempDir Path home;

  private final CredentialCipher cipher =
      new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k")));

  @Test
  void aBaseBackupRecordsTheEarliestRestorableMomentAndAServerWithoutArchiveIsLeftAlone()
      throws Exception {
    var platform = TestPostgres.platform().platform();
    var servers = new DatabaseServers(platform);
    var archives = new ServerArchives(platform);
    try (ArchivingTestServer pg = ArchivingTestServer.start(home, "pg-pitr")) {
      servers.upsert(
          cipher, "pg-pitr", "local", pg.jdbcUrl(), "postgres", ArchivingTestServer.PASSWORD, 5);
      servers.upsert(
          cipher,
          "pg-plain",
          "local",
          TestPostgres.jdbcUrl("postgres"),
          "postgres",
          TestPostgres.superuserPassword(),
          5);
      archives.record(
          "pg-pitr", pg.archive().configFile().toString(), pg.archive().repository().toString(), 7);
      var activities =
          new PitrActivitiesImpl(platform, cipher, WalArchive::findTool, Clock.systemUTC());
      assertThat(activities.archivingServers()).containsExactly("pg-pitr");

      Instant before = Instant.now().minusSeconds(1);
      var result = activities.baseBackup(new BaseBackupRequest("pg-pitr"));

      assertThat(result.backedUp()).isTrue();
      assertThat(result.earliestRestorable()).isBetween(before, Instant.now().plusSeconds(1));
      var recorded = archives.find("pg-pitr").orElseThrow();
      assertThat(recorded.earliestRestorableAt()).isEqualTo(result.earliestRestorable());
      assertThat(recorded.lastBackupAt()).isAfter(before);
      assertThat(recorded.lastBackupError()).isNull();
      assertThat(pg.archive().infoJson()).contains("\"type\":\"full\"");

      assertThat(activities.baseBackup(new BaseBackupRequest("pg-plain")).backedUp()).isFalse();
      assertThat(archives.find("pg-plain")).isEmpty();

      var noTool = new PitrActivitiesImpl(platform, cipher, Optional::empty, Clock.systemUTC());
      assertThatThrownBy(() -> noTool.baseBackup(new BaseBackupRequest("pg-pitr")))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              e -> {
                assertThat(e.isNonRetryable()).isTrue();
                assertThat(e.getOriginalMessage()).contains("pgbackrest is not installed");
              });
    }
  }

  @Test
  void aFailedBaseBackupIsRecordedAndTheEarlierWindowKept() throws Exception {
    ArchivingTestServer.requireTool();
    var platform = TestPostgres.platform().platform();
    var servers = new DatabaseServers(platform);
    var archives = new ServerArchives(platform);
    servers.upsert(
        cipher, "pg-broken", "local", "jdbc:postgresql://127.0.0.1:1/postgres", "postgres", "x", 5);
    archives.record(
        "pg-broken", home.resolve("missing/pgbackrest.conf").toString(), home.toString(), 7);
    Instant earlier = Instant.parse("2026-01-01T00:00:00Z");
    archives.backedUp("pg-broken", earlier, earlier);
    var activities =
        new PitrActivitiesImpl(platform, cipher, WalArchive::findTool, Clock.systemUTC());

    assertThatThrownBy(() -> activities.baseBackup(new BaseBackupRequest("pg-broken")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, e -> assertThat(e.isNonRetryable()).isFalse());

    var recorded = archives.find("pg-broken").orElseThrow();
    assertThat(recorded.lastBackupError()).contains("pgbackrest backup failed");
    assertThat(recorded.earliestRestorableAt()).isEqualTo(earlier);
  }
}
