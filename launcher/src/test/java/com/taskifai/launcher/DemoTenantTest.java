package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh dev platform comes with the demo tenant: provisioned by the workflow, loaded with the
 * sample data, answering through the router with the login the banner prints; a restart keeps it,
 * {@code --reset-demo} builds a new one.
 */
class DemoTenantTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aFreshDevPlatformServesTheDemoTenantWithDataAndARestartKeepsIt(@TempDir Path home)
      throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.remove(DevPlatform.DEV_DEMO);
    String router = "http://127.0.0.1:" + env.get("TASKIFAI_ROUTER_PORT");
    String host = "demo.localhost:" + env.get("TASKIFAI_ROUTER_PORT");
    UUID first;
    long sellout;
    // The first start runs a trace viewer: the real Jaeger where it is installed, else a stand-in.
    Map<String, String> traced = new java.util.HashMap<>(env);
    boolean realJaeger = TraceViewer.find(Map.of("PATH", env.get("PATH"))).isPresent();
    traced.put(
        TraceViewer.ENV,
        realJaeger
            ? "auto"
            : StandInJaeger.script(Files.createDirectories(home.resolve("bin"))).toString());
    traced.put(TraceViewer.UI_PORT, Integer.toString(DevPlatformTest.freePort()));
    System.out.println("DemoTenantTest: trace viewer " + (realJaeger ? "real Jaeger" : "stand-in"));
    String traces = "http://localhost:" + traced.get(TraceViewer.UI_PORT);
    try (DevPlatform platform = new DevPlatform(traced, home)) {
      platform.start();
      DemoTenant.Outcome demo = platform.demo().orElseThrow();
      assertThat(demo.created()).isTrue();
      first = demo.tenantId();
      // The file with bad rows was refused, naming them.
      assertThat(demo.notes()).contains("vendor-b-with-errors.csv refused, bad lines [3, 4, 5, 6]");

      Properties dev = devEnv(home);
      String password = dev.getProperty("TASKIFAI_DEMO_PASSWORD");
      assertThat(dev.getProperty("TASKIFAI_DEMO_URL"))
          .isEqualTo("http://demo.localhost:" + env.get("TASKIFAI_ROUTER_PORT"));
      assertThat(dev.getProperty("TASKIFAI_DEMO_EMAIL")).isEqualTo(DemoTenant.EMAIL);
      // Generated once, kept owner-only beside the other dev secrets.
      Properties secrets = new Properties();
      try (var r = Files.newBufferedReader(home.resolve("dev-secrets.properties"))) {
        secrets.load(r);
      }
      assertThat(secrets.getProperty(DemoTenant.PASSWORD_SECRET)).isEqualTo(password);
      assertThat(password).hasSizeGreaterThanOrEqualTo(12);

      String token = signIn(router, host, password);
      assertThat(total(router, host, token, "/api/products")).isEqualTo(DemoTenant.PRODUCTS.size());
      assertThat(total(router, host, token, "/api/orders")).isPositive();
      assertThat(total(router, host, token, "/api/conversations")).isPositive();
      sellout = total(router, host, token, "/api/sellout");
      assertThat(sellout).isEqualTo(dataRows());
      // Sell-out rows were matched to the sample products by EAN.
      JsonNode rows = get(router, host, token, "/api/sellout?limit=5").get("items");
      assertThat(rows.get(0).get("product_id").isNull()).isFalse();
      assertThat(get(router, host, token, "/api/sellout/uploads").size()).isEqualTo(3);
      // Without a token nothing is served.
      assertThat(send(router, host, null, "/api/products").statusCode()).isEqualTo(401);

      // The demo was built by an account of its own: the developer's first sign-in, with this
      // period's one-time code, is not refused as a code already used; the audit names the builder.
      HttpResponse<String> login =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(dev.getProperty("TASKIFAI_ADMIN_URL") + "/admin/login"))
                  .header("content-type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          JSON.writeValueAsString(
                              Map.of(
                                  "email",
                                  dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                                  "password",
                                  dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                                  "totp",
                                  TotpCodes.codeAt(
                                      dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"),
                                      Instant.now())))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);

      // Traces: the viewer's address in dev.env, the banner and the portal's workflow links, and
      // spans from each process under its own service name.
      assertThat(dev.getProperty(TraceViewer.TRACES_URL)).isEqualTo(traces);
      assertThat(platform.banner()).containsPattern("Traces +" + traces + " \\(Jaeger ");
      String adminToken = JSON.readTree(login.body()).get("access_token").asText();
      JsonNode workflows =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  dev.getProperty("TASKIFAI_ADMIN_URL")
                                      + "/admin/tenants/"
                                      + first
                                      + "/workflows"))
                          .header("authorization", "Bearer " + adminToken)
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      String provision = com.taskifai.workflows.WorkflowIds.provision(DemoTenant.SUBDOMAIN);
      assertThat(workflows.get("workflows").get(0).get("trace_url").asText())
          .isEqualTo(
              traces
                  + "/search?service=taskifai-worker&tags="
                  + java.net.URLEncoder.encode(
                          "{\"workflowId\":\"" + provision + "\"}", StandardCharsets.UTF_8)
                      .replace("+", "%20"));
      JsonNode services =
          awaitServices(traces, "taskifai-api", "taskifai-worker", "taskifai-router");
      System.out.println("DemoTenantTest: services with spans " + services);
      if (realJaeger) {
        // One trace from the API's start of the provisioning through the worker's steps (each
        // signal the workflow handled is a trace of its own, tagged with the workflow id too).
        JsonNode found =
            JSON.readTree(
                    http.send(
                            HttpRequest.newBuilder(
                                    URI.create(
                                        traces
                                            + "/api/traces?service=taskifai-worker&tags="
                                            + java.net.URLEncoder.encode(
                                                "{\"workflowId\":\"" + provision + "\"}",
                                                StandardCharsets.UTF_8)))
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .body())
                .get("data");
        java.util.List<java.util.Set<String>> servicesPerTrace = new java.util.ArrayList<>();
        for (JsonNode trace : found) {
          java.util.Set<String> names = new java.util.TreeSet<>();
          trace.get("processes").forEach(p -> names.add(p.get("serviceName").asText()));
          servicesPerTrace.add(names);
        }
        assertThat(servicesPerTrace)
            .anySatisfy(names -> assertThat(names).contains("taskifai-api", "taskifai-worker"));
      }
      try (Connection c =
              DevPlatform.dataSource(
                      dev.getProperty("TASKIFAI_DB_URL"),
                      dev.getProperty("TASKIFAI_DB_USER"),
                      dev.getProperty("TASKIFAI_DB_PASSWORD"))
                  .getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT actor FROM audit_log WHERE tenant_id = ? AND action = 'tenant.create'")) {
        ps.setObject(1, first);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).contains(DevPlatform.DEMO_BUILDER_EMAIL);
        }
      }
    }

    // The viewer stopped with the platform.
    assertThat(
            DevPlatform.listening(
                "127.0.0.1",
                Integer.parseInt(traced.get(TraceViewer.UI_PORT)),
                Duration.ofMillis(500)))
        .isFalse();

    try (DevPlatform again = new DevPlatform(env, home)) {
      again.start();
      DemoTenant.Outcome demo = again.demo().orElseThrow();
      assertThat(demo.created()).isFalse();
      assertThat(demo.tenantId()).isEqualTo(first);
      String token = signIn(router, host, devEnv(home).getProperty("TASKIFAI_DEMO_PASSWORD"));
      assertThat(total(router, host, token, "/api/sellout")).isEqualTo(sellout);
    }

    try (DevPlatform reset = new DevPlatform(env, home).resetDemo(true)) {
      reset.start();
      DemoTenant.Outcome demo = reset.demo().orElseThrow();
      assertThat(demo.created()).isTrue();
      assertThat(demo.tenantId()).isNotEqualTo(first);
      Properties dev = devEnv(home);
      TenantRegistry registry =
          new TenantRegistry(
              DevPlatform.dataSource(
                  dev.getProperty("TASKIFAI_DB_URL"),
                  dev.getProperty("TASKIFAI_DB_USER"),
                  dev.getProperty("TASKIFAI_DB_PASSWORD")));
      assertThat(registry.findById(first).orElseThrow().status()).isEqualTo(TenantStatus.DELETED);
      String token = signIn(router, host, dev.getProperty("TASKIFAI_DEMO_PASSWORD"));
      assertThat(total(router, host, token, "/api/sellout")).isEqualTo(sellout);
    }
  }

  /** Data rows of the three good sample files (non-blank lines after header and preamble). */
  static int dataRows() {
    return rows("vendor-a-retail-de.csv", 0)
        + rows("vendor-b-online-eu.csv", 0)
        + rows("vendor-c-pharmacy.tsv", 2);
  }

  private static int rows(String name, int linesBeforeHeader) {
    String[] lines = new String(DemoTenant.sample(name), StandardCharsets.UTF_8).split("\n");
    int n = 0;
    for (int i = linesBeforeHeader + 1; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        n++;
      }
    }
    return n;
  }

  private static Properties devEnv(Path home) throws Exception {
    return DevPlatformTest.devFile(home);
  }

  private String signIn(String router, String host, String password) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(router + "/api/auth/login"))
                .header("Host", host)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(
                            Map.of("email", DemoTenant.EMAIL, "password", password))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  private long total(String router, String host, String token, String path) throws Exception {
    return get(router, host, token, path).get("total").asLong();
  }

  /** The viewer's services once each of {@code expected} has sent spans (within 20 s). */
  private JsonNode awaitServices(String viewer, String... expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      JsonNode data =
          JSON.readTree(
                  http.send(
                          HttpRequest.newBuilder(URI.create(viewer + "/api/services")).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body())
              .get("data");
      java.util.Set<String> seen = new java.util.HashSet<>();
      if (data != null) {
        data.forEach(n -> seen.add(n.asText()));
      }
      if (seen.containsAll(java.util.List.of(expected)) || System.nanoTime() > deadline) {
        assertThat(seen).contains(expected);
        return data;
      }
      Thread.sleep(200);
    }
  }

  private JsonNode get(String router, String host, String token, String path) throws Exception {
    HttpResponse<String> r = send(router, host, token, path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> send(String router, String host, String token, String path)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(router + path))
            .timeout(Duration.ofSeconds(30))
            .header("Host", host);
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
