package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

  @Test
  void listsTheRegisteredServersThatProductionWouldRefuseForTheirTls() {
    var servers = new DatabaseServers(TestPostgres.platform().platform());
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String plain = "tls-plain-" + suffix;
    String verified = "tls-verified-" + suffix;
    String privateNet = "tls-private-" + suffix;
    String local = "tls-local-" + suffix;
    servers.register(cipher, remote(plain, "jdbc:postgresql://pg.example.net/postgres?user=x"));
    servers.register(
        cipher,
        remote(verified, "jdbc:postgresql://pg.example.net/postgres?sslmode=verify-full"),
        false);
    servers.register(cipher, remote(privateNet, "jdbc:postgresql://pg.internal/postgres"), true);
    servers.register(cipher, remote(local, "jdbc:postgresql://127.0.0.1:5432/postgres"));

    List<String> mine = servers.tlsProblems().stream().filter(p -> p.contains(suffix)).toList();

    assertThat(mine).hasSize(1);
    assertThat(mine.get(0))
        .startsWith("server " + plain + " ")
        .contains("sslmode=prefer")
        .contains("private network")
        .doesNotContain("pg.example.net")
        .doesNotContain("user=x");

    servers.setPrivateNetwork(plain, true);
    assertThat(servers.tlsProblems()).noneMatch(p -> p.contains(suffix));
  }

  private static DatabaseServers.NewServer remote(String id, String jdbcUrl) {
    return new DatabaseServers.NewServer(id, "tls", jdbcUrl, "postgres", "pw", 1, 40);
  }

  private final CredentialCipher cipher =
      new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k")));

  private static DatabaseServers.NewServer server(String id, String region, int capacity) {
    return new DatabaseServers.NewServer(
        id,
        region,
        TestPostgres.jdbcUrl("postgres"),
        "postgres",
        TestPostgres.superuserPassword(),
        capacity,
        40);
  }

  private static UUID tenant(TenantRegistry registry, String region) {
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(
            id, "t" + id.toString().substring(0, 8), "c", "a@b.test", region));
    return id;
  }

  @Test
  void placesLeastLoadedFirstAndSkipsFullDrainingAndClosedServers() {
    var db = TestPostgres.platform();
    var servers = new DatabaseServers(db.platform());
    var registry = new TenantRegistry(db.platform());
    assertThat(servers.register(cipher, server("eu-b", "eu-west", 10))).isTrue();
    assertThat(servers.register(cipher, server("eu-a", "eu-west", 10))).isTrue();
    assertThat(servers.register(cipher, server("eu-full", "eu-west", 0))).isTrue();
    assertThat(servers.register(cipher, server("eu-draining", "eu-west", 10))).isTrue();
    assertThat(servers.register(cipher, server("us-1", "us-east", 10))).isTrue();
    assertThat(servers.changeState("eu-draining", Set.of("OPEN"), "DRAINING")).isTrue();

    // Same load: by id. Then the one with fewer tenants, whatever its capacity.
    assertThat(servers.placeAndAssign(tenant(registry, "eu-west"), "eu-west", "d1"))
        .map(DatabaseServers.Server::id)
        .contains("eu-a");
    assertThat(servers.placeAndAssign(tenant(registry, "eu-west"), "eu-west", "d2"))
        .map(DatabaseServers.Server::id)
        .contains("eu-b");
    assertThat(servers.placeAndAssign(tenant(registry, "eu-west"), "eu-west", "d3"))
        .map(DatabaseServers.Server::id)
        .contains("eu-a");
    assertThat(servers.placedTenants()).containsEntry("eu-a", 2L).containsEntry("eu-b", 1L);
    assertThat(servers.placeFor("us-east")).map(DatabaseServers.Server::id).contains("us-1");

    assertThat(servers.changeState("eu-a", Set.of("OPEN"), "CLOSED")).isTrue();
    assertThat(servers.changeState("eu-b", Set.of("OPEN"), "DRAINING")).isTrue();
    UUID homeless = tenant(registry, "eu-west");
    assertThat(servers.placeAndAssign(homeless, "eu-west", "d4")).isEmpty();
    assertThat(registry.findById(homeless).orElseThrow().databaseServerId()).isNull();
    // A state change only from the states named.
    assertThat(servers.changeState("eu-a", Set.of("OPEN"), "DRAINING")).isFalse();
    assertThat(servers.changeState("eu-a", Set.of("DRAINING", "CLOSED"), "OPEN")).isTrue();
    assertThat(servers.placeFor("eu-west")).map(DatabaseServers.Server::id).contains("eu-a");
  }

  @Test
  void placementsAtOnceNeverOverfillAServer() throws Exception {
    var db = TestPostgres.platform();
    var servers = new DatabaseServers(db.platform());
    var registry = new TenantRegistry(db.platform());
    servers.register(cipher, server("race-1", "race", 3));
    servers.register(cipher, server("race-2", "race", 2));
    List<UUID> tenants = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tenants.add(tenant(registry, "race"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Boolean>> placed = new ArrayList<>();
      for (UUID t : tenants) {
        placed.add(pool.submit(() -> servers.placeAndAssign(t, "race", "db").isPresent()));
      }
      int count = 0;
      for (Future<Boolean> f : placed) {
        count += f.get() ? 1 : 0;
      }
      assertThat(count).isEqualTo(5);
    } finally {
      pool.shutdownNow();
    }
    assertThat(servers.placedTenants()).containsEntry("race-1", 3L).containsEntry("race-2", 2L);
  }

  @Test
  void registerRefusesADuplicateAndStoresThePasswordEncryptedWithTheBudget() {
    var db = TestPostgres.platform();
    var servers = new DatabaseServers(db.platform());
    assertThat(servers.register(cipher, server("dup-1", "local", 5))).isTrue();
    var other =
        new DatabaseServers.NewServer(
            "dup-1", "elsewhere", "jdbc:postgresql://x/postgres", "u", "other-pw", 9, 7);
    assertThat(servers.register(cipher, other)).isFalse();
    var stored = servers.find("dup-1").orElseThrow();
    assertThat(stored.region()).isEqualTo("local");
    assertThat(stored.connectionBudget()).isEqualTo(40);
    assertThat(stored.encryptedAdminPassword()).doesNotContain(TestPostgres.superuserPassword());
    assertThat(stored.adminPassword(cipher)).isEqualTo(TestPostgres.superuserPassword());
    assertThat(other.toString()).doesNotContain("other-pw");
    // An upsert without a budget keeps the one stored.
    servers.upsert(cipher, "dup-1", "local", stored.jdbcUrl(), "postgres", "pw2", 5);
    assertThat(servers.find("dup-1").orElseThrow().connectionBudget()).isEqualTo(40);
  }

  @Test
  void newServerProblemsNameEachBadField() {
    var bad = new DatabaseServers.NewServer("Bad_Id", "", "mysql://x", " ", "", -1, 0);
    assertThat(bad.problems())
        .containsOnlyKeys(
            "id",
            "region",
            "jdbc_url",
            "admin_username",
            "admin_password",
            "capacity",
            "connection_budget");
    var withPassword =
        new DatabaseServers.NewServer(
            "ok", "local", "jdbc:postgresql://h/postgres?password=x", "u", "p", 1, 1);
    assertThat(withPassword.problems()).containsOnlyKeys("jdbc_url");
    assertThat(server("pg-2", "eu-west", 0).problems()).isEmpty();
  }

  @Test
  void healthShowsVersionTenantsSizeAndSlotsAndAnUnreachableServerDoesNotStallTheList()
      throws Exception {
    var db = TestPostgres.platform();
    var servers = new DatabaseServers(db.platform());
    var registry = new TenantRegistry(db.platform());
    servers.register(cipher, server("up-1", "local", 5));
    // A port that accepts connections and never answers: the worst kind of server.
    try (ServerSocket silent = new ServerSocket(0)) {
      servers.register(
          cipher,
          new DatabaseServers.NewServer(
              "silent-1",
              "local",
              "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/postgres",
              "postgres",
              "pw",
              5,
              10));
      servers.register(
          cipher,
          new DatabaseServers.NewServer(
              "wrong-pw", "local", TestPostgres.jdbcUrl("postgres"), "postgres", "nope", 5, 10));
      String tenantDb = TestPostgres.createDatabase("health_tenant");
      UUID t = tenant(registry, "local");
      registry.assignDatabase(t, "up-1", tenantDb);

      long start = System.nanoTime();
      var health = new ServerHealth(servers, cipher, Duration.ofSeconds(2)).all();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isLessThan(Duration.ofSeconds(5));
      assertThat(health)
          .extracting(h -> h.server().id())
          .containsExactly("silent-1", "up-1", "wrong-pw");
      var up = health.get(1);
      assertThat(up.reachable()).isTrue();
      assertThat(up.version()).startsWith("15.");
      assertThat(up.tenants()).isEqualTo(1);
      assertThat(up.databasesBytes()).isGreaterThan(1_000_000L);
      assertThat(up.maxConnections()).isEqualTo(300);
      assertThat(up.usedConnections()).isGreaterThanOrEqualTo(1);
      assertThat(up.freeConnections()).isEqualTo(300 - up.usedConnections());
      assertThat(health.get(0).reachable()).isFalse();
      assertThat(health.get(0).error()).isNotBlank();
      assertThat(health.get(2).reachable()).isFalse();
      assertThat(health.get(2).error()).contains("password");
    }
  }

  @Test
  void probeSaysWhyAServerCannotBeUsed() throws Exception {
    assertThat(
            ServerHealth.probe(
                TestPostgres.jdbcUrl("postgres"),
                "postgres",
                TestPostgres.superuserPassword(),
                Duration.ofSeconds(2)))
        .startsWith("15.");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServerHealth.probe(
                    TestPostgres.jdbcUrl("postgres"), "postgres", "wrong", Duration.ofSeconds(2)))
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessageContaining("password authentication failed");
  }
}
