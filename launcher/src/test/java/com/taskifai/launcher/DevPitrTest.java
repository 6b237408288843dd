package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TASKIFAI_PITR} on the dev platform's embedded servers: archiving on with a stanza made
 * once (a restart finds it), or reported disabled with the reason when pgbackrest is missing or it
 * is off.
 */
class DevPitrTest {
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aSecondServerArchivesIntoTheBackupFolderAndARestartKeepsItsStanza(@TempDir Path home)
      throws Exception {
    if (WalArchive.findTool().isEmpty()) {
      String why = "pgbackrest is not installed (apt-get install pgbackrest)";
      assertThat("true".equals(System.getenv("CI"))).as(why + " (required when CI=true)").isFalse();
      Assumptions.abort(why);
    }
    var platform = TestPostgres.platform();
    var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("dev1")));
    var servers = new DatabaseServers(platform.platform());
    Map<String, String> env =
        Map.of(
            DevPlatform.DEV_SERVERS,
            "2",
            "TASKIFAI_PG2_PORT",
            Integer.toString(freePort()),
            WalArchive.ENV,
            "on");

    for (int run = 0; run < 2; run++) {
      try (DevPlatform dev = new DevPlatform(env, home)) {
        dev.startSecondServer(
            new DevSecrets(home.resolve("dev-secrets.properties")), platform.platform(), cipher);

        assertThat(dev.pitrNote())
            .as("run %d", run)
            .startsWith("on: WAL archived")
            .contains(home.resolve("backups/pitr/local-2").toString())
            .doesNotContain("failed");
        var health = new ServerHealth(servers, cipher, Duration.ofSeconds(5)).all();
        assertThat(health)
            .singleElement()
            .satisfies(
                h -> {
                  assertThat(h.archiving().enabled()).as(h.archiving().reason()).isTrue();
                  assertThat(h.archiving().failures()).isZero();
                });
      }
    }
    assertThat(home.resolve("backups/pitr/local-2/archive/" + WalArchive.STANZA)).isDirectory();
    var recorded =
        new com.taskifai.registry.ServerArchives(platform.platform()).find("local-2").orElseThrow();
    assertThat(recorded.configFile())
        .isEqualTo(home.resolve("postgres-2-auth/pgbackrest.conf").toString());
    assertThat(recorded.retentionDays()).isEqualTo(7);
    assertThat(recorded.earliestRestorableAt()).as("no base backup yet").isNull();
    String secrets = Files.readString(home.resolve("dev-secrets.properties"));
    assertThat(secrets).contains("pitr_archive_passphrase");
  }

  @Test
  void withoutPgbackrestAutoReportsPointInTimeRecoveryDisabledAndOnRefusesToStart(
      @TempDir Path home) throws Exception {
    var platform = TestPostgres.platform();
    var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("dev1")));
    var servers = new DatabaseServers(platform.platform());
    Map<String, String> auto =
        Map.of(
            DevPlatform.DEV_SERVERS,
            "2",
            "TASKIFAI_PG2_PORT",
            Integer.toString(freePort()),
            WalArchive.ENV,
            "auto",
            "PATH",
            home.resolve("no-tools").toString());

    try (DevPlatform dev = new DevPlatform(auto, home)) {
      dev.startSecondServer(
          new DevSecrets(home.resolve("dev-secrets.properties")), platform.platform(), cipher);
      assertThat(dev.pitrNote()).isEqualTo("disabled (pgbackrest not installed)");
      var archiving =
          new ServerHealth(servers, cipher, Duration.ofSeconds(5)).all().get(0).archiving();
      assertThat(archiving.enabled()).isFalse();
      assertThat(archiving.reason()).contains("archive_mode is off");
    }

    Map<String, String> on = new java.util.HashMap<>(auto);
    on.put(WalArchive.ENV, "on");
    try (DevPlatform dev = new DevPlatform(on, home)) {
      assertThatThrownBy(
              () ->
                  dev.startSecondServer(
                      new DevSecrets(home.resolve("dev-secrets.properties")),
                      platform.platform(),
                      cipher))
          .hasMessageContaining("TASKIFAI_PITR=on but pgbackrest is not installed");
    }
    assertThat(home.resolve("backups/pitr")).doesNotExist();
  }

  @Test
  void anUnknownSettingIsRefusedNamingTheValues() {
    assertThatThrownBy(() -> WalArchive.Mode.of(Map.of(WalArchive.ENV, "yes"), null))
        .hasMessage("TASKIFAI_PITR must be on, off or auto, got 'yes'");
    assertThatThrownBy(() -> WalArchive.retentionDays(Map.of(WalArchive.RETENTION_ENV, "a week")))
        .hasMessageContaining("TASKIFAI_PITR_RETENTION must be a number of days");
    assertThat(WalArchive.retentionDays(Map.of(WalArchive.RETENTION_ENV, "14d"))).isEqualTo(14);
    assertThat(WalArchive.retentionDays(Map.of())).isEqualTo(7);
  }
}
