package com.taskifai.api.health;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The {@code supabase} health component and a Supabase tenant's project status on the tenant
 * detail, against a WireMock server that answers the Management API's {@code GET /v1/projects} and
 * {@code GET /v1/projects/{ref}} as Supabase's OpenAPI document describes them, and only for the
 * platform's token.
 */
class SupabaseHealthTest extends ApiTestBase {
  private static final String TOKEN =
      "sbp_health_test_" + UUID.randomUUID().toString().replace("-", "");
  private static final WireMockServer SUPABASE = new WireMockServer(wireMockConfig().dynamicPort());

  static {
    SUPABASE.start();
  }

  private String admin;
  private final java.util.List<UUID> marked = new java.util.ArrayList<>();

  @DynamicPropertySource
  static void supabase(DynamicPropertyRegistry props) {
    props.add("taskifai.supabase.access-token", () -> TOKEN);
    props.add("taskifai.supabase.organization", () -> "taskifai-test");
    props.add("taskifai.supabase.api-url", SUPABASE::baseUrl);
    props.add("taskifai.supabase.health-cache", () -> "PT0S");
  }

  /** Other tests share the registry: the tenants marked as Supabase ones go back to postgres. */
  @org.junit.jupiter.api.AfterEach
  void unmark() {
    for (UUID id : marked) {
      JdbcClient.create(platform().db.platform())
          .sql(
              "UPDATE tenants SET database_provider = 'postgres', provider_project_ref = NULL"
                  + " WHERE tenant_id = :t")
          .param("t", id)
          .update();
    }
    marked.clear();
  }

  @AfterAll
  static void stop() {
    SUPABASE.stop();
  }

  @BeforeEach
  void reset() {
    SUPABASE.resetAll();
    // Like Supabase: a request without the platform's token is 401.
    SUPABASE.stubFor(
        get(urlEqualTo("/v1/projects"))
            .atPriority(10)
            .willReturn(aResponse().withStatus(401).withBody("{\"message\":\"Unauthorized\"}")));
    admin = freshToken();
  }

  private void projectsAnswer(int status, String body) {
    SUPABASE.stubFor(
        get(urlEqualTo("/v1/projects"))
            .atPriority(1)
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(aResponse().withStatus(status).withBody(body)));
  }

  private JsonNode health() {
    Answer a = management.get("/actuator/health", null);
    assertThat(a.body()).doesNotContain(TOKEN);
    return a.json();
  }

  @Test
  void upWhileTheManagementApiAnswersThePlatformToken() {
    projectsAnswer(200, "[]");
    JsonNode h = health();
    assertThat(h.at("/components/supabase/status").asString()).isEqualTo("UP");
    SUPABASE.verify(
        getRequestedFor(urlEqualTo("/v1/projects"))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
  }

  @Test
  void downWithTheStatusAndNoTokenWhenTheApiRefusesTheToken() {
    // No stub for the platform's token: the API answers 401, as for a revoked token.
    JsonNode h = health();
    assertThat(h.at("/components/supabase/status").asString()).isEqualTo("DOWN");
    assertThat(h.at("/components/supabase/description").asString())
        .contains("HTTP 401")
        .contains("TASKIFAI_SUPABASE_ACCESS_TOKEN");
    // Readiness does not depend on the Management API.
    assertThat(management.get("/actuator/health/readiness", null).status()).isEqualTo(200);
  }

  @Test
  void downOnA5xxAndOnALostConnection() {
    projectsAnswer(503, "{\"message\":\"maintenance\"}");
    JsonNode h = health();
    assertThat(h.at("/components/supabase/status").asString()).isEqualTo("DOWN");
    assertThat(h.at("/components/supabase/description").asString()).contains("HTTP 503");

    SUPABASE.stubFor(
        get(urlEqualTo("/v1/projects"))
            .atPriority(1)
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    h = health();
    assertThat(h.at("/components/supabase/status").asString()).isEqualTo("DOWN");
    assertThat(h.at("/components/supabase/description").asString()).contains("failed");
  }

  @Test
  void tenantDetailShowsTheProjectStatusCachedAndUnknownWhenTheApiFails() {
    String healthy = "abcdefghijklmnopqrst";
    String broken = "zyxwvutsrqponmlkjihg";
    project(healthy, 200, "ACTIVE_HEALTHY");
    project(broken, 500, null);
    String a = supabaseTenant(healthy);
    String b = supabaseTenant(broken);

    JsonNode detail = http.get("/admin/tenants/" + a, admin).json();
    assertThat(detail.get("provider").asString()).isEqualTo("supabase");
    assertThat(detail.get("project_ref").asString()).isEqualTo(healthy);
    assertThat(detail.get("provider_status").asString()).isEqualTo("ACTIVE_HEALTHY");

    // Cached briefly: a changed status shows on a later view, not on the next one.
    project(healthy, 200, "RESTARTING");
    assertThat(http.get("/admin/tenants/" + a, admin).json().get("provider_status").asString())
        .isEqualTo("ACTIVE_HEALTHY");
    SUPABASE.verify(1, getRequestedFor(urlEqualTo("/v1/projects/" + healthy)));

    Answer failing = http.get("/admin/tenants/" + b, admin);
    assertThat(failing.status()).isEqualTo(200);
    assertThat(failing.json().get("provider_status").asString()).isEqualTo("unknown");
    assertThat(failing.body()).doesNotContain(TOKEN);
  }

  private void project(String ref, int status, String projectStatus) {
    String body =
        projectStatus == null
            ? "{\"message\":\"internal error\"}"
            : "{\"id\":\""
                + ref
                + "\",\"ref\":\""
                + ref
                + "\",\"organization_id\":\"taskifai-test\",\"name\":\"taskifai-x\","
                + "\"region\":\"eu-central-1\",\"created_at\":\"2026-01-01T00:00:00Z\","
                + "\"status\":\""
                + projectStatus
                + "\",\"database\":{\"host\":\"db."
                + ref
                + ".supabase.co\",\"version\":\"17\"}}";
    SUPABASE.stubFor(
        get(urlEqualTo("/v1/projects/" + ref))
            .withHeader("Authorization", equalTo("Bearer " + TOKEN))
            .willReturn(
                status == 200 ? okJson(body) : aResponse().withStatus(status).withBody(body)));
  }

  /** A tenant accepted by the API, then marked as living in the given Supabase project. */
  private String supabaseTenant(String ref) {
    String subdomain = "supa-" + UUID.randomUUID().toString().substring(0, 8);
    Answer created =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "Supa",
                "subdomain",
                subdomain,
                "admin_email",
                "a@supa.test",
                "provider",
                "postgres"),
            admin);
    assertThat(created.status()).isEqualTo(202);
    String id = created.text("tenant_id");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                "AWAITING_VERIFICATION"
                    .equals(http.get("/admin/tenants/" + id, admin).text("status")));
    JdbcClient.create(platform().db.platform())
        .sql(
            "UPDATE tenants SET database_provider = 'supabase', provider_project_ref = :r"
                + " WHERE tenant_id = :t")
        .param("r", ref)
        .param("t", UUID.fromString(id))
        .update();
    marked.add(UUID.fromString(id));
    return id;
  }
}
