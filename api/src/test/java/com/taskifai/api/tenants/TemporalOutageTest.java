package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.auth.AdminTokens;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestPlatform;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.WorkflowIds;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API against a Temporal server of its own that the test stops (closes the port-bound
 * test server, so connections are refused) and starts again on the same port: calls that need
 * Temporal answer 503 with Retry-After within 5 s, registry reads keep working, health shows the
 * {@code temporal} component DOWN while liveness stays UP, and once the server is back the same API
 * process starts workflows again. Every family of endpoints that reaches Temporal (lifecycle,
 * invites, offboarding, backups and restores, moves and drains, promotions, rollouts, extensions,
 * reconcile, workflow histories) is asked once while it is down.
 */
@SpringBootTest(
    classes = AdminApiApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"taskifai.recover-workflows=false", "management.server.port=0"})
class TemporalOutageTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int TEMPORAL_PORT = freePort();
  private static TestServer.PortBoundTestServer temporal =
      TestServer.createPortBoundServer(TEMPORAL_PORT);

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired AdminTokens tokens;
  @Autowired TenantRegistry registry;
  @Autowired AuditLog audit;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @DynamicPropertySource
  static void platform(DynamicPropertyRegistry props) {
    ApiTestPlatform p = ApiTestPlatform.get();
    ApiTestPlatform.sayDev(props);
    props.add("taskifai.db.url", () -> p.db.jdbcUrl());
    props.add("taskifai.db.username", () -> p.db.role());
    props.add("taskifai.db.password", () -> TestPostgres.PLATFORM_PASSWORD);
    props.add("taskifai.master-keys", () -> p.masterKeys);
    props.add("taskifai.admin-jwt-secret", () -> ApiTestPlatform.JWT_SECRET);
    props.add("taskifai.temporal.target", () -> "127.0.0.1:" + TEMPORAL_PORT);
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  record Answer(int status, String body, JsonNode json, String retryAfter, long millis) {}

  @Test
  void temporalDownMeans503InSecondsWhileReadsWorkAndTheApiRecoversWhenItIsBack() {
    String token = token();
    assertThat(create(unique("before"), token).status()).isEqualTo(202);
    assertThat(management("/actuator/health/temporal").json().get("status").asString())
        .isEqualTo("UP");

    // A tenant in the middle of provisioning whose verification mail is being retried.
    UUID tenantId = UUID.randomUUID();
    String sub = unique("mid");
    registry.reserve(
        new TenantRegistry.Reservation(tenantId, sub, "Mid " + sub, "boss@mid.test", "local"));
    audit.append(tenantId, "workflow:x", "provision", "reserve_tenant", "succeeded", Map.of());
    audit.append(
        tenantId,
        "workflow:x",
        "provision",
        "send_verification_email",
        "failed",
        Map.of(
            "attempt",
            3,
            "message",
            "SMTP 127.0.0.1:1 did not take the mail: MailConnectException",
            "retryable",
            true));

    temporal.close();
    temporal = null;

    String during = unique("during");
    Answer refused = create(during, token);
    assertThat(refused.status()).as(refused.json().toString()).isEqualTo(503);
    System.out.println(
        "POST /admin/tenants with Temporal down answered in " + refused.millis() + " ms");
    assertThat(refused.millis()).isLessThanOrEqualTo(5_000);
    assertThat(refused.json().get("error").asString()).isEqualTo("temporal_unavailable");
    assertThat(refused.retryAfter()).isNotBlank();
    assertThat(Integer.parseInt(refused.retryAfter())).isPositive();
    // Nothing of the refused request holds the subdomain: its row was inserted before the start
    // and released (FAILED) when the start failed.
    assertThat(registry.findLiveBySubdomain(during)).isEmpty();

    Answer cancel = post("/admin/tenants/" + tenantId + "/cancel", token);
    assertThat(cancel.status()).as(cancel.json().toString()).isEqualTo(503);
    assertThat(cancel.millis()).isLessThanOrEqualTo(5_000);
    assertThat(cancel.retryAfter()).isNotBlank();

    everyFamilyOfEndpointsAnswers503(token);

    // Reads the registry answers keep working, with the last known steps from the audit log.
    Answer detail = get("/admin/tenants/" + tenantId, token);
    assertThat(detail.status()).isEqualTo(200);
    assertThat(detail.millis()).isLessThanOrEqualTo(5_000);
    assertThat(detail.json().get("workflow_service").asString()).isEqualTo("unavailable");
    assertThat(detail.json().get("steps_source").asString()).isEqualTo("audit_log");
    JsonNode mail = step(detail.json(), "send_verification_email");
    assertThat(mail.get("state").asString()).isEqualTo("running");
    assertThat(mail.get("retrying").asBoolean()).isTrue();
    assertThat(mail.get("failed_attempts").asInt()).isEqualTo(3);
    assertThat(mail.get("error").asString()).contains("SMTP", "MailConnectException");
    assertThat(step(detail.json(), "reserve_tenant").get("state").asString()).isEqualTo("done");
    assertThat(get("/admin/tenants?search=" + sub, token).status()).isEqualTo(200);

    // Health: the temporal component is DOWN, liveness and readiness are not. The main port says
    // the overall status only; the management port has the components.
    assertThat(get("/actuator/health", null).status()).isEqualTo(503);
    Answer health = management("/actuator/health");
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().at("/components/temporal/status").asString()).isEqualTo("DOWN");
    assertThat(health.json().at("/components/db/status").asString()).isEqualTo("UP");
    assertThat(get("/livez", null).status()).isEqualTo(200);
    assertThat(get("/readyz", null).status()).isEqualTo(200);
    assertThat(management("/actuator/health/liveness").status()).isEqualTo(200);
    assertThat(management("/actuator/health/readiness").status()).isEqualTo(200);
    assertThat(management("/actuator/prometheus").body())
        .containsPattern("taskifai_dependency_up\\{[^}]*dependency=\"temporal\"[^}]*\\} 0\\.0");

    // The server comes back on the same address: the same API process starts workflows again.
    temporal = TestServer.createPortBoundServer(TEMPORAL_PORT);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> create(during, token).status() == 202);
    // The accepted tenant is in the registry from the 202 on (the API inserts it first).
    assertThat(registry.findLiveBySubdomain(during))
        .hasValueSatisfying(t -> assertThat(t.status()).isEqualTo(TenantStatus.PROVISIONING));
    assertThat(management("/actuator/health/temporal").json().get("status").asString())
        .isEqualTo("UP");
    Answer after = get("/admin/tenants/" + tenantId, token);
    assertThat(after.json().get("workflow_service").asString()).isEqualTo("available");
  }

  /**
   * One request per family of endpoints that reaches Temporal, sent together: each answers 503
   * {@code temporal_unavailable} with Retry-After within 5 s, and a refused rollout leaves no
   * rollout RUNNING behind.
   */
  private void everyFamilyOfEndpointsAnswers503(String token) {
    UUID active = UUID.randomUUID();
    String sub = unique("act");
    registry.reserve(
        new TenantRegistry.Reservation(active, sub, "Act " + sub, "boss@act.test", "local"));
    registry.assignDatabase(active, null, "tenant_" + sub.replace('-', '_'));
    registry.setStatus(active, TenantStatus.ACTIVE);
    String tenant = "/admin/tenants/" + active;
    UUID trial = UUID.randomUUID();
    String trialSub = unique("trial");
    registry.reserve(
        new TenantRegistry.Reservation(
            trial, trialSub, "Trial " + trialSub, "boss@trial.test", "local"));
    registry.placeTrial(
        trial, null, "taskifai_trials", new TenantCredentials.EncryptedCredentials("u", "k"));
    registry.setStatus(trial, TenantStatus.ACTIVE);
    var rolloutBefore = registry.fleetMigrations().unfinished().map(m -> m.migrationId());

    Map<String, HttpRequest.Builder> families = new LinkedHashMap<>();
    families.put("suspend", postTo(tenant + "/suspend", null));
    families.put("admin invite", postTo(tenant + "/admin-invite", null));
    families.put("offboarding", HttpRequest.newBuilder(uri(tenant)).DELETE());
    families.put("backup", postTo(tenant + "/backups", null));
    families.put(
        "restore progress",
        getFrom(tenant + "/backups/restores/" + WorkflowIds.restore(active, active, "r1")));
    families.put("move progress", getFrom(tenant + "/move/" + WorkflowIds.move(active, "pg-x")));
    families.put("drain progress", getFrom("/admin/servers/pg-x/drain"));
    families.put(
        "promotion",
        postTo(
            "/admin/tenants/" + trial + "/promote",
            "{\"confirm_subdomain\": \"" + trialSub + "\"}"));
    families.put("rollout", postTo("/admin/migrations", "{}"));
    families.put("extension", postTo(tenant + "/extensions", "{\"name\": \"custom_fields\"}"));
    families.put("reconcile", postTo("/admin/reconcile", null));
    families.put(
        "workflow history",
        getFrom(tenant + "/workflows/" + WorkflowIds.provision(sub) + "/history"));

    Map<String, CompletableFuture<Answer>> sent = new LinkedHashMap<>();
    families.forEach(
        (family, request) ->
            sent.put(family, CompletableFuture.supplyAsync(() -> send(request, token))));
    SoftAssertions softly = new SoftAssertions();
    sent.forEach(
        (family, answer) -> {
          Answer a = answer.join();
          softly.assertThat(a.status()).as(family + ": " + a.body()).isEqualTo(503);
          if (a.status() == 503) {
            softly
                .assertThat(a.json().get("error").asString())
                .as(family)
                .isEqualTo("temporal_unavailable");
            softly.assertThat(a.retryAfter()).as(family).isNotBlank();
          }
          softly.assertThat(a.millis()).as(family + " answered in ms").isLessThanOrEqualTo(5_000);
        });
    softly.assertAll();
    assertThat(registry.fleetMigrations().unfinished().map(m -> m.migrationId()))
        .as("a rollout refused for want of Temporal is not left RUNNING")
        .isEqualTo(rolloutBefore);
    assertThat(registry.findById(active).orElseThrow().status()).isEqualTo(TenantStatus.ACTIVE);
    assertThat(registry.operations().current(trial))
        .as("a promotion refused for want of Temporal releases its claim")
        .isEmpty();
    // The tier view is a registry read: it answers without the promotion's progress.
    Answer tier = get("/admin/tenants/" + trial + "/promotion", token);
    assertThat(tier.status()).as(tier.body()).isEqualTo(200);
    assertThat(tier.json().get("tier").asString()).isEqualTo("trial");
    assertThat(tier.json().get("promotion").isNull()).isTrue();
  }

  private HttpRequest.Builder postTo(String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
    if (json == null) {
      return b.POST(HttpRequest.BodyPublishers.noBody());
    }
    return b.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
  }

  private HttpRequest.Builder getFrom(String path) {
    return HttpRequest.newBuilder(uri(path)).GET();
  }

  private static JsonNode step(JsonNode detail, String name) {
    for (JsonNode s : detail.get("steps")) {
      if (name.equals(s.get("name").asString())) {
        return s;
      }
    }
    throw new AssertionError("no step " + name + " in " + detail);
  }

  private String token() {
    Instant now = Instant.now();
    return tokens.issue(
        UUID.randomUUID(), "ops@taskifai.test", List.of("pwd", "otp"), now, now, 600);
  }

  private Answer create(String subdomain, String token) {
    return send(
        HttpRequest.newBuilder(uri("/admin/tenants"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    AdminHttp.json(
                        "company_name",
                        "Acme " + subdomain,
                        "subdomain",
                        subdomain,
                        "admin_email",
                        "boss@acme.com"))),
        token);
  }

  private Answer post(String path, String token) {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()), token);
  }

  private Answer get(String path, String token) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), token);
  }

  /** The actuator's endpoints on the management port. */
  private Answer management(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).GET(),
        null);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private Answer send(HttpRequest.Builder b, String token) {
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.timeout(Duration.ofSeconds(90));
    long started = System.nanoTime();
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      long millis = (System.nanoTime() - started) / 1_000_000;
      JsonNode json = null;
      if (r.body() != null && r.body().startsWith("{")) {
        json = JSON.readTree(r.body());
      }
      return new Answer(
          r.statusCode(),
          r.body(),
          json,
          r.headers().firstValue("Retry-After").orElse(null),
          millis);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
