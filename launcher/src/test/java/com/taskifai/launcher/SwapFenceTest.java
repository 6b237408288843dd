package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.tenantschema.TrialSchema;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Nothing acknowledged is lost at a swap: on the dev platform with two servers (admin API, worker
 * and the real router in one JVM), a client writes products through the router in a loop while a
 * tenant is restored (replace), moved and promoted. Every write answered 201 after the swap is in
 * the copy the tenant ends on (for a move and a promotion, every write answered 201 at all), the
 * old copy holds no row sent after the swap, and a connection as the app role opened to the old
 * copy before the swap (a router that missed the notification) cannot commit a write after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwapFenceTest extends PlatformHttpTest {
  private Path home;
  private DevPlatform platform;
  private String admin;
  private String router;
  private String routerPort;
  private String adminToken;
  private TenantRegistry registry;
  private DatabaseServers servers;
  private CredentialCipher cipher;

  SwapFenceTest() {
    super(Duration.ofSeconds(120), Duration.ofSeconds(90));
  }

  @BeforeAll
  void startPlatform() throws Exception {
    home = Files.createTempDirectory("taskifai-swap-fence");
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put(DevPlatform.DEV_SERVERS, "2");
    env.put("TASKIFAI_PG2_PORT", Integer.toString(DevPlatformTest.freePort()));
    env.put("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString());
    platform = new DevPlatform(env, home);
    platform.start();
    Properties dev = DevPlatformTest.devFile(home);
    admin = dev.getProperty("TASKIFAI_ADMIN_URL");
    routerPort = env.get("TASKIFAI_ROUTER_PORT");
    router = "http://localhost:" + routerPort;
    adminToken = adminLogin(dev);
    DataSource platformDb = DevPlatformTest.platformDataSource(dev);
    registry = new TenantRegistry(platformDb);
    servers = new DatabaseServers(platformDb);
    cipher = new CredentialCipher(KeyRing.fromEnvironment(env, home.resolve("master.keys")));
  }

  @AfterAll
  void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  void aReplaceRestoreKeepsEveryWriteAcknowledgedAfterTheSwapAndTheOldDatabaseTakesNone()
      throws Exception {
    Client client = tenant("fence-r", "dedicated");
    client.post("before-backup");
    String backupId = backUp(admin, adminToken, client.tenantId.toString());
    Tenant before = registry.findById(client.tenantId).orElseThrow();
    try (Connection stale = app(before)) {
      Writes writes =
          client.writeWhile(
              () -> {
                HttpResponse<String> restore =
                    post(
                        admin
                            + "/admin/tenants/"
                            + client.tenantId
                            + "/backups/"
                            + backupId
                            + "/restore",
                        adminToken,
                        Map.of("mode", "replace", "confirm_subdomain", client.subdomain),
                        null);
                assertThat(restore.statusCode()).as(restore.body()).isEqualTo(202);
              },
              t -> !t.databaseName().equals(before.databaseName()));
      Tenant after = registry.findById(client.tenantId).orElseThrow();

      assertThat(writes.ackedAfterSwap()).as("writes acknowledged after the swap").isNotEmpty();
      assertThat(skus(after)).containsAll(writes.ackedAfterSwap());
      assertThat(skus(before)).doesNotContainAnyElementsOf(writes.sentAfterSwap);
      assertThat(commitsAWrite(stale, before, "stale-1")).isFalse();
      assertThatThrownBy(() -> app(before).close())
          .hasMessageContaining("permission denied for database");
      assertThat(skus(before)).doesNotContain("stale-1");
    }
  }

  @Test
  void aMoveKeepsEveryAcknowledgedWriteAndItsSourceTakesNoneAfterTheSwap() throws Exception {
    Client client = tenant("fence-m", "dedicated");
    client.post("before-move");
    Tenant before = registry.findById(client.tenantId).orElseThrow();
    String target =
        before.databaseServerId().equals(DevPlatform.LOCAL_SERVER_ID)
            ? DevPlatform.SECOND_SERVER_ID
            : DevPlatform.LOCAL_SERVER_ID;
    try (Connection stale = app(before)) {
      Writes writes =
          client.writeWhile(
              () -> {
                HttpResponse<String> move =
                    post(
                        admin + "/admin/tenants/" + client.tenantId + "/move",
                        adminToken,
                        Map.of("target_server", target, "confirm_subdomain", client.subdomain),
                        null);
                assertThat(move.statusCode()).as(move.body()).isEqualTo(202);
              },
              t -> target.equals(t.databaseServerId()));
      Tenant after = registry.findById(client.tenantId).orElseThrow();

      assertThat(writes.ackedAfterSwap()).as("writes acknowledged after the swap").isNotEmpty();
      assertThat(skus(after)).contains("before-move").containsAll(writes.acked);
      assertThat(skus(before)).doesNotContainAnyElementsOf(writes.sentAfterSwap);
      assertThat(commitsAWrite(stale, before, "stale-1")).isFalse();
      assertThatThrownBy(() -> app(before).close())
          .hasMessageContaining("permission denied for database");
    }
  }

  @Test
  void aPromotionKeepsEveryAcknowledgedWriteAndTheTrialRowsTakeNoneAfterTheSwap() throws Exception {
    Client client = tenant("fence-p", "trial");
    client.post("before-promotion");
    Tenant before = registry.findById(client.tenantId).orElseThrow();
    assertThat(before.isTrial()).isTrue();
    // Opened before the swap, used after it as a router that still routes to the trial would.
    try (Connection stale = app(before)) {
      Writes writes =
          client.writeWhile(
              () -> {
                HttpResponse<String> promote =
                    post(
                        admin + "/admin/tenants/" + client.tenantId + "/promote",
                        adminToken,
                        Map.of("confirm_subdomain", client.subdomain),
                        null);
                assertThat(promote.statusCode()).as(promote.body()).isEqualTo(202);
              },
              t -> !t.isTrial());
      awaitResponse(
          admin + "/admin/tenants/" + client.tenantId + "/promotion",
          adminToken,
          null,
          r -> "PROMOTED".equals(json(r).path("promotion").path("status").asText()));
      Tenant after = registry.findById(client.tenantId).orElseThrow();
      HttpResponse<String> promotion =
          get(admin + "/admin/tenants/" + client.tenantId + "/promotion", adminToken, null);
      // The dev servers run wal_level = logical: the trial's rows were replicated online and its
      // writes held only for the changeover.
      assertThat(json(promotion).path("promotion").path("copy_mode").asText())
          .as(promotion.body())
          .isEqualTo("online");
      System.out.printf(
          "online promotion through the router: longest gap between acknowledged writes %d ms,"
              + " %d writes answered 503, %d acknowledged (all in the new database)%n",
          writes.longestGapMillis(), writes.held(), writes.acked.size());

      assertThat(writes.ackedAfterSwap()).as("writes acknowledged after the swap").isNotEmpty();
      assertThat(skus(after)).contains("before-promotion").containsAll(writes.acked);
      assertThat(commitsAWrite(stale, before, "stale-1")).isFalse();
      assertThat(skus(before)).as("the trial's rows left in the shared database").isEmpty();
    }
  }

  // ---- the client ----

  /**
   * Products written through the router during an operation, and when the swap was seen; the
   * longest time between two acknowledged writes and how many writes were answered 503.
   */
  record Writes(Set<String> acked, Set<String> sentAfterSwap, long longestGapMillis, int held) {
    Set<String> ackedAfterSwap() {
      Set<String> s = new java.util.TreeSet<>(acked);
      s.retainAll(sentAfterSwap);
      return s;
    }
  }

  /** A tenant's admin, signed in through the router. */
  private final class Client {
    final UUID tenantId;
    final String subdomain;
    final String host;
    final String token;

    Client(UUID tenantId, String subdomain, String token) {
      this.tenantId = tenantId;
      this.subdomain = subdomain;
      this.host = subdomain + ".localhost:" + routerPort;
      this.token = token;
    }

    int post(String sku) throws Exception {
      HttpResponse<String> r =
          SwapFenceTest.this.post(
              router + "/api/products", token, Map.of("sku", sku, "name", sku), host);
      return r.statusCode();
    }

    /**
     * Writes in a loop from before {@code start} until a second after the registry shows {@code
     * swapped}; a write counts as sent after the swap when the swap was seen before it was sent.
     */
    Writes writeWhile(ThrowingRunnable start, Predicate<Tenant> swapped) throws Exception {
      Set<String> acked = ConcurrentHashMap.newKeySet();
      Set<String> sentAfterSwap = ConcurrentHashMap.newKeySet();
      List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicBoolean swapSeen = new AtomicBoolean();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong lastAck = new AtomicLong(System.nanoTime());
      AtomicLong longestGap = new AtomicLong();
      java.util.concurrent.atomic.AtomicInteger held =
          new java.util.concurrent.atomic.AtomicInteger();
      Thread writer =
          new Thread(
              () -> {
                for (int i = 0; running.get(); i++) {
                  String sku = "w-" + i;
                  boolean after = swapSeen.get();
                  if (after) {
                    sentAfterSwap.add(sku);
                  }
                  try {
                    int status = post(sku);
                    if (status == 201) {
                      acked.add(sku);
                      long now = System.nanoTime();
                      longestGap.accumulateAndGet(now - lastAck.getAndSet(now), Math::max);
                    } else if (status == 503) {
                      held.incrementAndGet();
                    } else {
                      unexpected.add(sku + ": " + status);
                    }
                  } catch (Exception e) {
                    unexpected.add(sku + ": " + e);
                  }
                }
              },
              "fence-writer-" + subdomain);
      writer.start();
      try {
        Thread.sleep(300);
        start.run();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!swapped.test(registry.findById(tenantId).orElseThrow())) {
          assertThat(System.nanoTime()).as("the swap of " + subdomain).isLessThan(deadline);
          Thread.sleep(20);
        }
        swapSeen.set(true);
        AtomicLong seen = new AtomicLong(System.nanoTime());
        while (System.nanoTime() - seen.get() < Duration.ofSeconds(1).toNanos()
            || sentAfterSwap.size() < 5) {
          Thread.sleep(50);
        }
      } finally {
        running.set(false);
        writer.join(30_000);
      }
      assertThat(unexpected).as("answers other than 201 and 503").isEmpty();
      Writes writes =
          new Writes(
              acked,
              sentAfterSwap,
              java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(longestGap.get()),
              held.get());
      System.out.printf(
          "%s: %d writes acknowledged, %d of them sent after the swap (%d sent after it);"
              + " longest gap between acknowledged writes %d ms, %d answered 503%n",
          subdomain,
          acked.size(),
          writes.ackedAfterSwap().size(),
          sentAfterSwap.size(),
          writes.longestGapMillis(),
          writes.held());
      return writes;
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Creates an ACTIVE tenant through the admin API and signs its admin in through the router. */
  private Client tenant(String prefix, String tier) throws Exception {
    SignedIn t = signedInTenant(admin, adminToken, routerPort, prefix, tier);
    return new Client(t.tenantId(), t.subdomain(), t.token());
  }

  // ---- the databases ----

  /** A connection as the app role to where {@code t} points, as a router's pool opens one. */
  private Connection app(Tenant t) throws SQLException {
    TenantCredentials c = TenantCredentials.decrypt(cipher, t);
    return DriverManager.getConnection(c.jdbcUrl(), c.username(), c.password());
  }

  /**
   * Inserts a product on {@code c} as the router would for {@code t} (a tenant admin, the trial's
   * fence for a trial) and commits; false when the database refuses.
   */
  private static boolean commitsAWrite(Connection c, Tenant t, String sku) {
    try {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('app.user_role', 'admin', true)")) {
        ps.execute();
      }
      if (t.isTrial()) {
        TrialSchema.beginTenantTransaction(c, t.tenantId());
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
        ps.setString(1, sku);
        ps.setString(2, sku);
        ps.executeUpdate();
      }
      c.commit();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** Product skus in the copy {@code t} names, read as the server's admin (the trial's only). */
  private List<String> skus(Tenant t) throws SQLException {
    DatabaseServers.Server s = servers.find(t.databaseServerId()).orElseThrow();
    String url = s.jdbcUrl().substring(0, s.jdbcUrl().lastIndexOf('/') + 1) + t.databaseName();
    List<String> out = new ArrayList<>();
    try (Connection c =
            DriverManager.getConnection(url, s.adminUsername(), s.adminPassword(cipher));
        PreparedStatement ps =
            c.prepareStatement(
                t.isTrial()
                    ? "SELECT sku FROM products WHERE tenant_id = ? ORDER BY sku"
                    : "SELECT sku FROM products ORDER BY sku")) {
      if (t.isTrial()) {
        ps.setObject(1, t.tenantId());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }
}
