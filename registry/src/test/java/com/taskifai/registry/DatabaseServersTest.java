package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DatabaseServersTest {
  @Test
  void placesOnTheOpenServerWithTheMostRoomInTheRegionAndNeverOverCapacity() {
    var db = TestPostgres.platform();
    var cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k")));
    var servers = new DatabaseServers(db.platform());
    var registry = new TenantRegistry(db.platform());
    servers.upsert(cipher, "eu-small", "eu", "jdbc:postgresql://a/postgres", "postgres", "pw", 1);
    servers.upsert(cipher, "eu-big", "eu", "jdbc:postgresql://b/postgres", "postgres", "pw", 2);
    servers.upsert(cipher, "us-1", "us", "jdbc:postgresql://c/postgres", "postgres", "pw", 5);

    assertThat(servers.placeFor("eu")).map(DatabaseServers.Server::id).contains("eu-big");
    for (int i = 0; i < 3; i++) {
      String server = servers.placeFor("eu").orElseThrow().id();
      UUID id = UUID.randomUUID();
      registry.reserve(new TenantRegistry.Reservation(id, "placed" + i, "c", "a@b.test", "eu"));
      registry.assignDatabase(id, server, "tenant_" + i);
    }
    assertThat(servers.placeFor("eu")).isEmpty();
    assertThat(servers.placeFor("mars")).isEmpty();
    assertThat(servers.find("eu-small").orElseThrow().adminPassword(cipher)).isEqualTo("pw");
    assertThat(servers.find("eu-small").orElseThrow().encryptedAdminPassword())
        .doesNotContain("pw.");
  }
}
