package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Exports end to end on the dev platform (admin API, the real worker with its real activities and
 * its tenant-export starter, and the real router, in one JVM, on embedded PostgreSQL and Temporal):
 * a tenant's own admin asks through the router, the worker runs the export, and the signed link
 * downloads the archive once, whose manifest's checksums are those of its files and whose row
 * counts are the tenant's tables'; and an offboarding with {@code final_export=true} leaves a
 * downloadable final copy after the tenant is gone, and nothing else of it: no database, no roles,
 * no route, no credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportEndToEndTest extends PlatformHttpTest {
  private Path home;
  private DevPlatform platform;
  private String admin;
  private String adminToken;
  private String routerPort;
  private String router;
  private TenantRegistry registry;
  private DatabaseServers servers;
  private CredentialCipher cipher;

  ExportEndToEndTest() {
    super(Duration.ofSeconds(240), Duration.ofSeconds(120));
  }

  @BeforeAll
  void startPlatform() throws Exception {
    home = Files.createTempDirectory("taskifai-export-e2e");
    Map<String, String> env = DevPlatformTest.devEnvironment();
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
  void aTenantAdminsExportRunsOnTheWorkerAndItsLinkDownloadsTheArchiveOnce() throws Exception {
    SignedIn t = signedInTenant(admin, adminToken, routerPort, "expa", "dedicated");
    String host = t.subdomain() + ".localhost:" + routerPort;
    for (String sku : new String[] {"exp-1", "exp-2", "exp,\"3\""}) {
      assertThat(
              post(router + "/api/products", t.token(), Map.of("sku", sku, "name", sku), host)
                  .statusCode())
          .isEqualTo(201);
    }

    HttpResponse<String> requested = post(router + "/api/export", t.token(), Map.of(), host);

    assertThat(requested.statusCode()).as(requested.body()).isEqualTo(202);
    String exportId = json(requested).get("export_id").asText();
    String statusUrl = json(requested).get("status_url").asText();
    assertThat(statusUrl).isEqualTo("/api/export/" + exportId);
    String[] link = new String[1];
    awaitResponse(
        router + statusUrl,
        t.token(),
        host,
        r -> {
          JsonNode v = JSON.readTree(r.body());
          assertThat(v.path("status").asText()).as(r.body()).isNotEqualTo("FAILED");
          link[0] = v.path("download_url").asText(null);
          return "READY".equals(v.path("status").asText()) && link[0] != null;
        });
    // The link is the admin API's (TASKIFAI_ADMIN_URL), which the token alone opens.
    String url = link[0];
    assertThat(url)
        .startsWith(
            admin + "/admin/tenants/" + t.tenantId() + "/exports/" + exportId + "/download");

    HttpResponse<byte[]> first = download(url);
    HttpResponse<String> second = get(url, null, null);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("content-type")).hasValue("application/zip");
    assertThat(second.statusCode()).isEqualTo(410);
    assertThat(second.body()).contains("used already");
    Map<String, byte[]> zip = unzip(first.body());
    JsonNode manifest = JSON.readTree(zip.get("manifest.json"));
    assertThat(manifest.path("format").asText()).isEqualTo("taskifai-export/1");
    assertThat(manifest.path("tenant_id").asText()).isEqualTo(t.tenantId().toString());
    assertThat(sha256(zip.get("dump.pgc")))
        .isEqualTo(manifest.path("dump").path("sha256").asText());
    Tenant tenant = registry.findById(t.tenantId()).orElseThrow();
    int tables = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = manifest.path("tables").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> table = it.next();
      byte[] csv = zip.get(table.getValue().path("file").asText());
      assertThat(csv).as(table.getKey()).isNotNull();
      assertThat(sha256(csv))
          .as(table.getKey())
          .isEqualTo(table.getValue().path("sha256").asText());
      assertThat(table.getValue().path("rows").asLong())
          .as("rows of %s", table.getKey())
          .isEqualTo(rows(tenant, table.getKey()));
      tables++;
    }
    assertThat(tables).isGreaterThanOrEqualTo(5);
    String products = new String(zip.get("tables/products.csv"), StandardCharsets.UTF_8);
    assertThat(products).contains("exp-1").contains("exp-2").contains("\"exp,\"\"3\"\"\"");
    assertThat(manifest.path("tables").path("products").path("rows").asLong()).isEqualTo(3);
    HttpResponse<String> audit =
        get(admin + "/admin/tenants/" + t.tenantId() + "/audit", adminToken, null);
    assertThat(audit.body())
        .contains("tenant-admin:" + t.email())
        .contains("export_tenant")
        .contains("tenant.export_download");
  }

  @Test
  void anOffboardingWithAFinalExportLeavesTheCopyDownloadableAndNothingElseOfTheTenant()
      throws Exception {
    SignedIn t = signedInTenant(admin, adminToken, routerPort, "expb", "dedicated");
    String host = t.subdomain() + ".localhost:" + routerPort;
    for (String sku : new String[] {"last-1", "last-2"}) {
      assertThat(
              post(router + "/api/products", t.token(), Map.of("sku", sku, "name", sku), host)
                  .statusCode())
          .isEqualTo(201);
    }
    Tenant before = registry.findById(t.tenantId()).orElseThrow();
    String hex = t.tenantId().toString().replace("-", "");
    String appRole = TenantCredentials.decrypt(cipher, before).username();
    assertThat(
            count(before, "SELECT count(*) FROM pg_roles WHERE rolname LIKE ?", "t_" + hex + "%"))
        .as("the tenant's roles")
        .isEqualTo(2);
    assertThat(appRole).startsWith("t_" + hex);
    assertThat(
            count(before, "SELECT count(*) FROM pg_database WHERE datname LIKE ?", "%" + hex + "%"))
        .isEqualTo(1);

    HttpResponse<String> deleted =
        http.send(
            request(
                    admin + "/admin/tenants/" + t.tenantId() + "?final_export=true",
                    adminToken,
                    null)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
    awaitResponse(
        admin + "/admin/tenants/" + t.tenantId(),
        adminToken,
        null,
        r -> "DELETED".equals(JSON.readTree(r.body()).path("status").asText()));

    // The final copy outlives the tenant, READY with its first link.
    JsonNode list =
        json(get(admin + "/admin/tenants/" + t.tenantId() + "/exports", adminToken, null));
    assertThat(list.path("exports")).hasSize(1);
    JsonNode finalCopy = list.path("exports").get(0);
    assertThat(finalCopy.path("status").asText()).isEqualTo("READY");
    assertThat(finalCopy.path("final_copy").asBoolean()).isTrue();
    String url = admin + finalCopy.path("download_url").asText();
    HttpResponse<byte[]> downloaded = download(url);
    assertThat(downloaded.statusCode()).isEqualTo(200);
    Map<String, byte[]> zip = unzip(downloaded.body());
    JsonNode manifest = JSON.readTree(zip.get("manifest.json"));
    assertThat(manifest.path("tenant_id").asText()).isEqualTo(t.tenantId().toString());
    JsonNode products = manifest.path("tables").path("products");
    assertThat(products.path("rows").asLong()).isEqualTo(2);
    byte[] csv = zip.get(products.path("file").asText());
    assertThat(sha256(csv)).isEqualTo(products.path("sha256").asText());
    assertThat(new String(csv, StandardCharsets.UTF_8)).contains("last-1").contains("last-2");
    assertThat(download(url).statusCode()).as("the link works once").isEqualTo(410);

    // Nothing else of the tenant: no database, no roles, no route, no credentials.
    assertThat(
            count(before, "SELECT count(*) FROM pg_database WHERE datname LIKE ?", "%" + hex + "%"))
        .as("the tenant's databases")
        .isZero();
    assertThat(
            count(before, "SELECT count(*) FROM pg_roles WHERE rolname LIKE ?", "t_" + hex + "%"))
        .as("the tenant's roles")
        .isZero();
    assertThat(get(router + "/api/products", t.token(), host).statusCode()).isNotEqualTo(200);
    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    assertThat(after.encryptedDatabaseUrl()).isNull();
    assertThat(after.encryptedDatabaseKey()).isNull();
  }

  private HttpResponse<byte[]> download(String url) throws Exception {
    return http.send(
        request(url, null, null).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Map<String, byte[]> unzip(byte[] bytes) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** A connection as the server's admin to {@code database} on the tenant's server. */
  private Connection serverAdmin(Tenant t, String database) throws SQLException {
    DatabaseServers.Server s = servers.find(t.databaseServerId()).orElseThrow();
    String url = s.jdbcUrl().substring(0, s.jdbcUrl().lastIndexOf('/') + 1) + database;
    return DriverManager.getConnection(url, s.adminUsername(), s.adminPassword(cipher));
  }

  private long rows(Tenant t, String table) throws SQLException {
    try (Connection c = serverAdmin(t, t.databaseName());
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM public.\"" + table.replace("\"", "\"\"") + "\"");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private long count(Tenant t, String sql, String parameter) throws SQLException {
    return Long.parseLong(single(t, sql, parameter));
  }

  private String single(Tenant t, String sql, String parameter) throws SQLException {
    try (Connection c = serverAdmin(t, "postgres");
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, parameter);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
