package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost report on the dev platform: two real tenants, requests and uploads driven through the
 * real router (counted by the routers' usage writes), database sizes sampled by the cost sampling
 * workflow, and a past month with known sizes, usage and backups; the report's figures match the
 * inputs and the configured prices, the CSV matches the JSON, a bad month is a 400 and the figures
 * are gauges on the admin API's metrics endpoint.
 */
class CostReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = 1L << 30;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void figuresOfTwoTenantsMatchTheirTrafficSizesAndThePrices(@TempDir Path home) throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put(DevPlatform.DEV_DEMO, "false");
    env.put("TASKIFAI_USAGE_FLUSH_INTERVAL", "PT0.5S");
    env.put("TASKIFAI_COST_SAMPLE_INTERVAL", "PT2S");
    env.put("TASKIFAI_COST_METRICS_REFRESH", "PT1S");
    env.put("TASKIFAI_BACKUP_METRICS_REFRESH", "PT1S");
    env.put("TASKIFAI_COST_PRICE_PER_GB_MONTH", "2.5");
    env.put("TASKIFAI_COST_BACKUP_PRICE_PER_GB_MONTH", "1");
    env.put("TASKIFAI_COST_PRICE_PER_DATABASE", "7");
    env.put("TASKIFAI_COST_PRICE_PER_MILLION_REQUESTS", "1000");
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = DevPlatformTest.devFile(home);
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String router = "http://127.0.0.1:" + routerPort;
      DataSource platformDb =
          DevPlatform.dataSource(
              dev.getProperty("TASKIFAI_DB_URL"),
              dev.getProperty("TASKIFAI_DB_USER"),
              dev.getProperty("TASKIFAI_DB_PASSWORD"));
      DataSource clusterAdmin =
          DevPlatform.dataSource(
              dev.getProperty("TASKIFAI_DB_URL"),
              dev.getProperty("TASKIFAI_DB_ADMIN_USER"),
              dev.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"));
      TenantRegistry registry = new TenantRegistry(platformDb);

      String adminToken = null;
      Map<String, UUID> ids = new HashMap<>();
      Map<String, String> tokens = new HashMap<>();
      for (String sub : List.of("costa", "costb")) {
        DemoTenant t =
            new DemoTenant(
                sub,
                "admin@" + sub + ".test",
                "Cost " + sub + ", \"Inc\"",
                admin,
                "http://localhost:" + routerPort,
                "localhost",
                dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"),
                registry,
                dev.getProperty("TASKIFAI_DB_URL"),
                dev.getProperty("TASKIFAI_DB_ADMIN_USER"),
                dev.getProperty("TASKIFAI_DB_ADMIN_PASSWORD"));
        if (adminToken == null) {
          adminToken = t.adminLogin();
        }
        Map.Entry<UUID, String> made = t.provisionAndSignIn(adminToken, "a-long-password-" + sub);
        ids.put(sub, made.getKey());
        tokens.put(sub, made.getValue());
      }
      UUID a = ids.get("costa");
      UUID b = ids.get("costb");
      String month = YearMonth.now(ZoneOffset.UTC).toString();

      // What the routers counted so far (the sign-ups' requests), written within a flush.
      Thread.sleep(1_500);
      long a0 = line(admin, adminToken, a, month).get("requests").asLong();
      long b0 = line(admin, adminToken, b, month).get("requests").asLong();

      // Known traffic through the router: 25 and 10 requests, one upload each.
      for (int i = 0; i < 25; i++) {
        assertThat(tenantGet(router, "costa.localhost:" + routerPort, tokens.get("costa")))
            .isEqualTo(200);
      }
      for (int i = 0; i < 10; i++) {
        assertThat(tenantGet(router, "costb.localhost:" + routerPort, tokens.get("costb")))
            .isEqualTo(200);
      }
      byte[] fileA = DemoTenant.sample("vendor-b-online-eu.csv");
      byte[] fileB = DemoTenant.sample("vendor-c-pharmacy.tsv");
      int rowsA =
          upload(
              router,
              "costa.localhost:" + routerPort,
              tokens.get("costa"),
              "vendor-b-online-eu",
              fileA);
      int rowsB =
          upload(
              router,
              "costb.localhost:" + routerPort,
              tokens.get("costb"),
              "vendor-c-pharmacy",
              fileB);
      long wantA = a0 + 25 + 1;
      long wantB = b0 + 10 + 1;

      JsonNode lineA = await(admin, adminToken, a, month, l -> l.get("requests").asLong() >= wantA);
      JsonNode lineB = await(admin, adminToken, b, month, l -> l.get("requests").asLong() >= wantB);
      Thread.sleep(1_500); // another flush: nothing is counted twice
      lineA = line(admin, adminToken, a, month);
      lineB = line(admin, adminToken, b, month);
      assertThat(lineA.get("requests").asLong()).isEqualTo(wantA);
      assertThat(lineB.get("requests").asLong()).isEqualTo(wantB);
      assertThat(lineA.get("upload_rows").asLong()).isEqualTo(rowsA);
      assertThat(lineA.get("upload_bytes").asLong()).isEqualTo(fileA.length);
      assertThat(lineB.get("upload_rows").asLong()).isEqualTo(rowsB);
      assertThat(lineB.get("upload_bytes").asLong()).isEqualTo(fileB.length);
      assertThat(lineA.get("connection_seconds").asDouble()).isPositive();
      assertThat(lineB.get("connection_seconds").asDouble()).isPositive();

      // The sampling workflow records each database's size: what the server says it is.
      for (UUID id : List.of(a, b)) {
        Tenant t = registry.findById(id).orElseThrow();
        long size = databaseSize(clusterAdmin, t.databaseName());
        JsonNode sampled =
            await(admin, adminToken, id, month, l -> l.get("database_bytes").asLong() == size);
        assertThat(sampled.get("samples")).isNotEmpty();
        // The estimate follows from the figures and the prices.
        BigDecimal expected =
            BigDecimal.valueOf(sampled.get("database_bytes_average").asLong())
                .divide(BigDecimal.valueOf(GIB), java.math.MathContext.DECIMAL64)
                .multiply(new BigDecimal("2.5"))
                .add(new BigDecimal("7"))
                .add(
                    BigDecimal.valueOf(sampled.get("requests").asLong())
                        .multiply(new BigDecimal("0.001")));
        assertThat(sampled.get("estimate").get("total").decimalValue())
            .isCloseTo(expected, org.assertj.core.data.Offset.offset(new BigDecimal("0.0001")));
      }

      // A past month with known sizes, usage and a backup.
      try (Connection c = platformDb.getConnection()) {
        sample(c, a, LocalDate.of(2026, 1, 1), GIB);
        sample(c, a, LocalDate.of(2026, 1, 31), 3 * GIB);
        sample(c, b, LocalDate.of(2026, 1, 15), GIB / 4);
        sample(c, a, LocalDate.of(2026, 2, 1), 9 * GIB); // another month
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO tenant_usage_daily (tenant_id, day, requests, connection_millis,"
                    + " upload_rows, upload_bytes) VALUES (?, ?, ?, ?, ?, ?)")) {
          ps.setObject(1, a);
          ps.setObject(2, LocalDate.of(2026, 1, 10));
          ps.setLong(3, 2_000);
          ps.setLong(4, 12_000);
          ps.setLong(5, 100);
          ps.setLong(6, 4_096);
          ps.executeUpdate();
          ps.setObject(2, LocalDate.of(2026, 1, 20));
          ps.setLong(3, 500);
          ps.setLong(4, 345);
          ps.setLong(5, 0);
          ps.setLong(6, 0);
          ps.executeUpdate();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO backups (backup_id, tenant_id, status, store, object_key, data_key,"
                    + " size_bytes, started_at, finished_at) VALUES (?, ?, 'GOOD', 'folder', 'k',"
                    + " 'x', ?, '2026-01-05T01:00:00Z', '2026-01-05T01:01:00Z')")) {
          ps.setObject(1, UUID.randomUUID());
          ps.setObject(2, a);
          ps.setLong(3, GIB / 2);
          ps.executeUpdate();
        }
      }
      JsonNode january = getJson(admin + "/admin/costs?month=2026-01", adminToken);
      assertThat(january.get("month").asText()).isEqualTo("2026-01");
      JsonNode ja = tenantLine(january, a);
      assertThat(ja.get("database_bytes").asLong()).isEqualTo(3 * GIB);
      assertThat(ja.get("database_bytes_average").asLong()).isEqualTo(2 * GIB);
      assertThat(ja.get("database_growth_bytes").asLong()).isEqualTo(2 * GIB);
      assertThat(ja.get("requests").asLong()).isEqualTo(2_500);
      assertThat(ja.get("connection_seconds").asDouble()).isEqualTo(12.345);
      assertThat(ja.get("upload_rows").asLong()).isEqualTo(100);
      assertThat(ja.get("upload_bytes").asLong()).isEqualTo(4_096);
      assertThat(ja.get("backup_bytes").asLong()).isEqualTo(GIB / 2);
      // 2 GB x 2.5 + 0.5 GB x 1 + 7 + 2500 / 1e6 x 1000
      assertThat(ja.get("estimate").get("storage").decimalValue()).isEqualByComparingTo("5");
      assertThat(ja.get("estimate").get("backups").decimalValue()).isEqualByComparingTo("0.5");
      assertThat(ja.get("estimate").get("database").decimalValue()).isEqualByComparingTo("7");
      assertThat(ja.get("estimate").get("requests").decimalValue()).isEqualByComparingTo("2.5");
      assertThat(ja.get("estimate").get("total").decimalValue()).isEqualByComparingTo("15");
      JsonNode jb = tenantLine(january, b);
      assertThat(jb.get("database_bytes").asLong()).isEqualTo(GIB / 4);
      assertThat(jb.get("requests").asLong()).isZero();
      // 0.25 GB x 2.5 + 7
      assertThat(jb.get("estimate").get("total").decimalValue()).isEqualByComparingTo("7.625");
      assertThat(january.get("total").get("total").decimalValue()).isEqualByComparingTo("22.625");
      assertThat(january.get("prices").get("per_gb_month").decimalValue())
          .isEqualByComparingTo("2.5");

      // The CSV says what the JSON says.
      HttpResponse<String> csv = get(admin + "/admin/costs.csv?month=2026-01", adminToken);
      assertThat(csv.statusCode()).isEqualTo(200);
      assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
      List<List<String>> records = parseCsv(csv.body());
      assertThat(records.get(0)).startsWith("month", "tenant_id", "subdomain", "company_name");
      assertThat(records).hasSize(1 + january.get("tenants").size());
      for (List<String> rec : records.subList(1, records.size())) {
        JsonNode l = tenantLine(january, UUID.fromString(rec.get(1)));
        Map<String, String> byName = new HashMap<>();
        for (int i = 0; i < records.get(0).size(); i++) {
          byName.put(records.get(0).get(i), rec.get(i));
        }
        assertThat(byName.get("company_name")).isEqualTo(l.get("company_name").asText());
        assertThat(byName.get("company_name")).contains(",").contains("\"Inc\"");
        for (String f :
            List.of(
                "database_bytes",
                "database_bytes_average",
                "database_growth_bytes",
                "requests",
                "upload_rows",
                "upload_bytes",
                "backup_bytes")) {
          assertThat(Long.parseLong(byName.get(f))).as(f).isEqualTo(l.get(f).asLong());
        }
        assertThat(Double.parseDouble(byName.get("connection_seconds")))
            .isEqualTo(l.get("connection_seconds").asDouble());
        assertThat(new BigDecimal(byName.get("estimate_total")))
            .isEqualByComparingTo(l.get("estimate").get("total").decimalValue());
      }

      // A bad month is a clear 400 on every form; an unknown tenant a 404.
      for (String path :
          List.of(
              "/admin/costs?month=2026-13",
              "/admin/costs.csv?month=January",
              "/admin/tenants/" + a + "/costs?month=26-01")) {
        HttpResponse<String> bad = get(admin + path, adminToken);
        assertThat(bad.statusCode()).as(path).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("detail").asText()).contains("YYYY-MM");
      }
      assertThat(
              get(admin + "/admin/tenants/" + UUID.randomUUID() + "/costs", adminToken)
                  .statusCode())
          .isEqualTo(404);
      assertThat(get(admin + "/admin/costs", null).statusCode()).isEqualTo(401);

      // The same figures as gauges on the admin API's metrics endpoint.
      String metricsUrl =
          "http://127.0.0.1:" + env.get("TASKIFAI_ADMIN_MANAGEMENT_PORT") + "/actuator/prometheus";
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      // The gauges follow the registry within their refresh (1 s here).
      JsonNode now = line(admin, adminToken, a, month);
      String scrape = "";
      while (System.nanoTime() < deadline) {
        scrape = get(metricsUrl, null).body();
        Double requests = metric(scrape, "taskifai_tenant_requests_month", a);
        Double estimate = metric(scrape, "taskifai_tenant_cost_estimate", a);
        if (requests != null
            && requests == wantA
            && estimate != null
            && Math.abs(estimate - now.get("estimate").get("total").asDouble()) < 1e-9) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(metric(scrape, "taskifai_tenant_requests_month", a)).isEqualTo((double) wantA);
      assertThat(metric(scrape, "taskifai_tenant_requests_month", b)).isEqualTo((double) wantB);
      assertThat(metric(scrape, "taskifai_tenant_upload_bytes_month", a))
          .isEqualTo((double) fileA.length);
      assertThat(metric(scrape, "taskifai_tenant_database_bytes", a))
          .isEqualTo(now.get("database_bytes").asDouble());
      assertThat(metric(scrape, "taskifai_tenant_cost_estimate", a))
          .isCloseTo(
              now.get("estimate").get("total").asDouble(),
              org.assertj.core.data.Offset.offset(1e-9));
      assertThat(metric(scrape, "taskifai_tenant_cost_estimate", b)).isNotNull();

      // Every Grafana dashboard and alert rule query reads a metric the admin API or the router
      // exports, with the labels it matches on (the workers' temporal_* in UpTopologyTest).
      Path root = Path.of("").toAbsolutePath().getParent();
      MetricQueries.everyEventBornMeterIsDeclared(root);
      // The backup gauges list tenants at their next refresh (every second here).
      deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!scrape.contains("taskifai_backup_newest_good_age_seconds{")
          && System.nanoTime() < deadline) {
        Thread.sleep(500);
        scrape = get(metricsUrl, null).body();
      }
      List<String> scrapes =
          List.of(
              scrape,
              get(
                      "http://127.0.0.1:"
                          + env.get("TASKIFAI_ROUTER_MANAGEMENT_PORT")
                          + "/actuator/prometheus",
                      null)
                  .body());
      // Archiving's metrics in DevPitrPlatformTest (this platform does not archive).
      MetricQueries.assertAllExported(
          root, scrapes, m -> !m.startsWith("temporal_") && !m.startsWith("taskifai_pitr_"));
    }
  }

  /** The value of a Prometheus series of the tenant, or null when there is none. */
  static Double metric(String scrape, String name, UUID tenant) {
    for (String l : scrape.split("\n")) {
      if (l.startsWith(name + "{") && l.contains("tenant=\"" + tenant + "\"")) {
        return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  private static void sample(Connection c, UUID tenant, LocalDate day, long bytes)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO tenant_size_samples (tenant_id, day, database_bytes) VALUES (?, ?, ?)")) {
      ps.setObject(1, tenant);
      ps.setObject(2, day);
      ps.setLong(3, bytes);
      ps.executeUpdate();
    }
  }

  private static long databaseSize(DataSource admin, String database) throws Exception {
    try (Connection c = admin.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_database_size(?)")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private JsonNode await(
      String admin, String token, UUID tenant, String month, Predicate<JsonNode> done)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode l = null;
    while (System.nanoTime() < deadline) {
      l = line(admin, token, tenant, month);
      if (done.test(l)) {
        return l;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the report of " + tenant + " did not get there: " + l);
  }

  private JsonNode line(String admin, String token, UUID tenant, String month) throws Exception {
    JsonNode r = getJson(admin + "/admin/tenants/" + tenant + "/costs?month=" + month, token);
    assertThat(r.get("tenants")).hasSize(1);
    return r.get("tenants").get(0);
  }

  private static JsonNode tenantLine(JsonNode report, UUID tenant) {
    for (JsonNode l : report.get("tenants")) {
      if (l.get("tenant_id").asText().equals(tenant.toString())) {
        return l;
      }
    }
    throw new AssertionError("no line for " + tenant + " in " + report);
  }

  private JsonNode getJson(String url, String token) throws Exception {
    HttpResponse<String> r = get(url, token);
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int tenantGet(String router, String host, String token) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(router + "/api/products"))
                .header("Host", host)
                .header("authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private int upload(String router, String host, String token, String vendor, byte[] file)
      throws Exception {
    String boundary = "b" + UUID.randomUUID().toString().replace("-", "");
    var body = new java.io.ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"vendor\"\r\n\r\n"
                + vendor
                + "\r\n--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(file);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(router + "/api/sellout/uploads"))
                .header("Host", host)
                .header("authorization", "Bearer " + token)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).get("rows").asInt();
  }

  /** RFC 4180 records: quoted fields with doubled quotes, CRLF line ends. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> out = new ArrayList<>();
    List<String> rec = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          field.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        rec.add(field.toString());
        field.setLength(0);
      } else if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        rec.add(field.toString());
        field.setLength(0);
        out.add(rec);
        rec = new ArrayList<>();
        i++;
      } else {
        field.append(ch);
      }
    }
    return out;
  }
}
