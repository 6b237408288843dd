package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.ArchivingTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole dev platform with {@code TASKIFAI_PITR=on}: its embedded server archives, is recorded
 * in {@code server_archives}, and the worker's base-backup loop takes the first backup at once, so
 * the server becomes restorable without anyone asking.
 */
class DevPitrPlatformTest {
  @Test
  void theDevPlatformArchivesItsServerAndTheWorkerTakesTheFirstBaseBackup(@TempDir Path home)
      throws Exception {
    ArchivingTestServer.requireTool();
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put(WalArchive.ENV, "on");
    // The archiving gauges ask the server again every 2 s (1 min by default), so the scrape below
    // sees the first archived segment's age soon after the base backup.
    env.put("TASKIFAI_ARCHIVING_METRICS_REFRESH", "PT2S");

    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      assertThat(platform.pitrNote())
          .startsWith("on: WAL archived")
          .contains(DevPlatform.LOCAL_SERVER_ID);
      var archives =
          new ServerArchives(DevPlatformTest.platformDataSource(DevPlatformTest.devFile(home)));

      ServerArchives.Archive archive = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      while (System.nanoTime() < deadline) {
        archive = archives.find(DevPlatform.LOCAL_SERVER_ID).orElseThrow();
        if (archive.earliestRestorableAt() != null || archive.lastBackupError() != null) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(archive.lastBackupError()).isNull();
      assertThat(archive.earliestRestorableAt())
          .as("the first base backup ran")
          .isNotNull()
          .isBefore(Instant.now());
      assertThat(archive.configFile())
          .isEqualTo(home.resolve("postgres-auth/pgbackrest.conf").toString());

      // The archiving queries of the dashboards and alert rules read what the admin API exports
      // for an archiving server (the rest is checked in CostReportTest).
      String scrape = "";
      deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline
          && !scrape.contains("taskifai_pitr_archive_age_seconds{")) {
        scrape =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(
                                "http://127.0.0.1:"
                                    + env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT")
                                    + "/actuator/prometheus"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        Thread.sleep(500);
      }
      MetricQueries.everyEventBornMeterIsDeclared(Path.of("").toAbsolutePath().getParent());
      MetricQueries.assertAllExported(
          Path.of("").toAbsolutePath().getParent(),
          java.util.List.of(scrape),
          m -> m.startsWith("taskifai_pitr_"));
    }
  }
}
