package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.ArchivingTestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A restore to a time touches only its own tenant: on the dev platform with archiving on (admin
 * API, worker and the real router in one JVM), tenant B on the same server is read and written
 * through the router in a loop for the whole of tenant A's replace restore to a time through the
 * admin API. Every read answers 200 and every write 201, and B's database holds exactly the rows B
 * wrote; A serves the rows of before the moment and not the one after it.
 */
class PitrIsolationTest extends PlatformHttpTest {
  PitrIsolationTest() {
    super(Duration.ofSeconds(180), Duration.ofSeconds(90));
  }

  @Test
  void anotherTenantOfTheServerIsReadAndWrittenThroughoutAReplaceRestoreToATime(@TempDir Path home)
      throws Exception {
    ArchivingTestServer.requireTool();
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put(WalArchive.ENV, "on");
    env.put("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString());
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = DevPlatformTest.devFile(home);
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String router = "http://localhost:" + routerPort;
      DataSource clusterAdmin =
          DevPlatform.dataSource(
              dev.getProperty("TASKIFAI_DB_URL"),
              dev.getProperty("TASKIFAI_DB_ADMIN_USER"),
              dev.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"));
      TenantRegistry registry = new TenantRegistry(DevPlatformTest.platformDataSource(dev));
      String adminToken = adminLogin(dev);

      SignedIn a = signedInTenant(admin, adminToken, routerPort, "pitra", "dedicated");
      SignedIn b = signedInTenant(admin, adminToken, routerPort, "pitrb", "dedicated");
      String hostA = a.subdomain() + ".localhost:" + routerPort;
      String hostB = b.subdomain() + ".localhost:" + routerPort;
      String serverA = registry.findById(a.tenantId()).orElseThrow().databaseServerId();
      assertThat(registry.findById(b.tenantId()).orElseThrow().databaseServerId())
          .as("both tenants on one server")
          .isEqualTo(serverA);

      assertThat(createProduct(router, a.token(), hostA, "a-t1").statusCode()).isEqualTo(201);
      assertThat(createProduct(router, a.token(), hostA, "a-t2").statusCode()).isEqualTo(201);
      Thread.sleep(1_100);
      Instant at = Instant.now();
      Thread.sleep(1_100);
      assertThat(createProduct(router, a.token(), hostA, "a-t3").statusCode()).isEqualTo(201);
      // Close the WAL segment holding the moment, so the range reaches past it.
      JdbcClient.create(clusterAdmin).sql("SELECT pg_switch_wal()::text").query().singleValue();
      awaitResponse(
          admin + "/admin/tenants/" + a.tenantId(),
          adminToken,
          null,
          r -> {
            String to = JSON.readTree(r.body()).path("restorable_to").asText("");
            return !to.isEmpty() && Instant.parse(to).isAfter(at);
          });

      // Tenant B reads and writes through the router for the whole restore of A.
      List<String> failures = new CopyOnWriteArrayList<>();
      List<String> written = new CopyOnWriteArrayList<>();
      List<Long> reads = new CopyOnWriteArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread traffic =
          new Thread(
              () -> {
                for (int n = 0; running.get(); n++) {
                  try {
                    String sku = "b-" + n;
                    HttpResponse<String> w = createProduct(router, b.token(), hostB, sku);
                    if (w.statusCode() == 201) {
                      written.add(sku);
                    } else {
                      failures.add("POST " + w.statusCode() + " " + w.body());
                    }
                    HttpResponse<String> r = get(router + "/api/products", b.token(), hostB);
                    reads.add(System.nanoTime());
                    if (r.statusCode() != 200) {
                      failures.add("GET " + r.statusCode() + " " + r.body());
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              },
              "tenant-b-traffic");
      traffic.start();
      String step;
      int writtenBefore;
      int readsBefore;
      int writtenDuring;
      int readsDuring;
      try {
        Thread.sleep(500);
        writtenBefore = written.size();
        readsBefore = reads.size();
        HttpResponse<String> restore =
            post(
                admin + "/admin/tenants/" + a.tenantId() + "/restore-to-time",
                adminToken,
                Map.of("at", at.toString(), "mode", "replace", "confirm_subdomain", a.subdomain()),
                null);
        assertThat(restore.statusCode()).as(restore.body()).isEqualTo(202);
        String workflowId = json(restore).get("workflow_id").asText();
        String progress =
            admin + "/admin/tenants/" + a.tenantId() + "/restore-to-time/" + workflowId;
        awaitResponse(
            progress,
            adminToken,
            null,
            r -> {
              var p = JSON.readTree(r.body());
              return "grace_period".equals(p.path("step").asText())
                  || "FAILED".equals(p.path("outcome").asText());
            });
        step = json(get(progress, adminToken, null)).toString();
        writtenDuring = written.size() - writtenBefore;
        readsDuring = reads.size() - readsBefore;
        Thread.sleep(500);
      } finally {
        running.set(false);
        traffic.join(30_000);
      }
      assertThat(step).as("the restore reached its grace period").contains("\"grace_period\"");
      assertThat(failures).as("tenant B's failed requests").isEmpty();
      assertThat(writtenDuring).as("B's writes during A's restore").isGreaterThan(5);
      assertThat(readsDuring).as("B's reads during A's restore").isGreaterThan(5);

      // B's data is exactly what B wrote; A's is what it had at the moment.
      String databaseB = registry.findById(b.tenantId()).orElseThrow().databaseName();
      assertThat(skus(dev, databaseB)).containsExactlyInAnyOrderElementsOf(written);
      HttpResponse<String> listA = get(router + "/api/products?q=a-t", a.token(), hostA);
      assertThat(listA.statusCode()).as(listA.body()).isEqualTo(200);
      assertThat(listA.body()).contains("a-t1").contains("a-t2").doesNotContain("a-t3");
    }
  }

  private HttpResponse<String> createProduct(String router, String token, String host, String sku)
      throws Exception {
    return post(
        router + "/api/products", token, Map.of("sku", sku, "name", "Product " + sku), host);
  }

  private static List<String> skus(Properties dev, String database) {
    String url = dev.getProperty("TASKIFAI_DB_URL");
    return JdbcClient.create(
            DevPlatform.dataSource(
                url.replaceFirst("/[^/?]+(\\?.*)?$", "/" + database + "$1"),
                dev.getProperty("TASKIFAI_DB_ADMIN_USER"),
                dev.getProperty("TASKIFAI_DB_ADMIN_PASSWORD")))
        .sql("SELECT sku FROM products WHERE sku LIKE 'b-%'")
        .query(String.class)
        .list();
  }
}
