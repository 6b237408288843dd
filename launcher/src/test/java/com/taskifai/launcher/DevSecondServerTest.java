package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code TASKIFAI_DEV_SERVERS=2}: a second embedded PostgreSQL of its own, registered in another
 * region, that comes back with the same password after a restart.
 */
class DevSecondServerTest {
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void startsASecondServerInAnotherRegionAndRegistersIt(@TempDir Path home) throws Exception {
    var platform = TestPostgres.platform();
    var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("dev1")));
    var servers = new DatabaseServers(platform.platform());
    Map<String, String> env =
        Map.of(DevPlatform.DEV_SERVERS, "2", "TASKIFAI_PG2_PORT", Integer.toString(freePort()));

    for (int run = 0; run < 2; run++) {
      try (DevPlatform dev = new DevPlatform(env, home)) {
        assertThat(dev.devServers()).isEqualTo(2);
        dev.startSecondServer(
            new DevSecrets(home.resolve("dev-secrets.properties")), platform.platform(), cipher);

        var second = servers.find(DevPlatform.SECOND_SERVER_ID).orElseThrow();
        assertThat(second.region()).isEqualTo("eu-west");
        assertThat(second.jdbcUrl()).endsWith(":" + env.get("TASKIFAI_PG2_PORT") + "/postgres");
        assertThat(second.jdbcUrl()).doesNotContain(":" + TestPostgres.port() + "/");
        var health = new ServerHealth(servers, cipher, Duration.ofSeconds(5)).all();
        assertThat(health)
            .singleElement()
            .satisfies(
                h -> {
                  assertThat(h.reachable()).as(h.error()).isTrue();
                  assertThat(h.version()).startsWith("15.");
                  // wal_level = logical: tenants move onto and off it online.
                  assertThat(h.onlineMoves()).as(h.onlineMovesReason()).isTrue();
                });
        assertThat(dev.devEnv())
            .containsEntry("TASKIFAI_DEV_SERVER2_REGION", "eu-west")
            .containsEntry("TASKIFAI_DEV_SERVER2_URL", second.jdbcUrl())
            .containsKey("TASKIFAI_DEV_SERVER2_ADMIN_PASSWORD");
        assertThat(servers.placeFor("eu-west"))
            .map(DatabaseServers.Server::id)
            .contains(DevPlatform.SECOND_SERVER_ID);
      }
      // Stopped with the platform.
      var stopped = new ServerHealth(servers, cipher, Duration.ofSeconds(2)).all();
      assertThat(stopped.get(0).reachable()).isFalse();
    }
    assertThat(home.resolve("postgres-2")).isDirectory();
  }

  @Test
  void aSecondServerOf17OnADataFolderMadeBy15IsRefusedBeforeItStartsSayingWhatToDo(
      @TempDir Path home) throws Exception {
    Path data = home.resolve("postgres-2");
    java.nio.file.Files.createDirectories(data);
    java.nio.file.Files.writeString(data.resolve("PG_VERSION"), "15\n");
    Map<String, String> env =
        Map.of(
            DevPlatform.DEV_SERVERS,
            "2",
            DevPlatform.SECOND_SERVER_VERSION,
            "17",
            "TASKIFAI_PG2_PORT",
            Integer.toString(freePort()));
    DevSecrets secrets = new DevSecrets(home.resolve("dev-secrets.properties"));
    try (DevPlatform dev = new DevPlatform(env, home)) {
      assertThatThrownBy(() -> dev.startSecondServer(secrets, null, null))
          .hasMessageContaining("was made by PostgreSQL 15, not 17")
          .hasMessageContaining("set TASKIFAI_DEV_SERVER2_VERSION=15 to keep it");
      assertThat(dev.embeddedDatabases()).isEmpty();
    }
    try (DevPlatform dev = new DevPlatform(Map.of(DevPlatform.SECOND_SERVER_VERSION, "16"), home)) {
      assertThatThrownBy(() -> dev.startSecondServer(secrets, null, null))
          .hasMessageContaining("TASKIFAI_DEV_SERVER2_VERSION must be 15 or 17, got '16'");
    }
  }

  @Test
  void refusesAnotherCount(@TempDir Path home) {
    assertThatThrownBy(
            () -> new DevPlatform(Map.of(DevPlatform.DEV_SERVERS, "3"), home).devServers())
        .hasMessageContaining("TASKIFAI_DEV_SERVERS must be 1 or 2");
    assertThat(new DevPlatform(Map.of(), home).devServers()).isEqualTo(1);
  }
}
