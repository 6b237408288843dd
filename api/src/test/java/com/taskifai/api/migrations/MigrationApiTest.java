package com.taskifai.api.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The migrations API over real HTTP, with real PostgreSQL and the Temporal test server running a
 * double of the rollout workflow (the real rollout is tested with the worker).
 */
class MigrationApiTest extends ApiTestBase {
  @Autowired TenantRegistry registry;
  private String token;

  @BeforeEach
  void login() {
    token = freshToken();
  }

  private UUID activeTenant() {
    UUID id = UUID.randomUUID();
    String sub = "mig-" + id.toString().substring(0, 8);
    registry.reserve(
        new TenantRegistry.Reservation(id, sub, "Mig " + sub, "a@" + sub + ".test", "local"));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private MigrateFleetWorkflow flow(String migrationId) {
    return platform()
        .client
        .newWorkflowStub(MigrateFleetWorkflow.class, MigrateFleetWorkflow.workflowId(migrationId));
  }

  @Test
  void startingNeedsFreshMfaAndValidOptions() {
    assertThat(http.post("/admin/migrations", "{}", null).status()).isEqualTo(401);
    Instant longAgo = Instant.now().minus(Duration.ofHours(2));
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            List.of("pwd", "otp"),
            longAgo,
            Instant.now(),
            600);
    Answer staleAnswer = http.post("/admin/migrations", "{}", stale);
    assertThat(staleAnswer.status()).isEqualTo(403);
    assertThat(staleAnswer.text("error")).isEqualTo("mfa_required");

    for (String bad :
        List.of(
            "{\"target_version\": \"v2; drop\"}",
            "{\"concurrency\": 0}",
            "{\"concurrency\": 1000}",
            "{\"max_failure_ratio\": 1.5}",
            "{\"canary_count\": -1}",
            "{\"canary_count\": 1, \"canary_tenants\": [\"x\"]}",
            "{\"canary_tenants\": [\"no-such-tenant\"]}",
            "{\"concurrency\": \"many\"}")) {
      Answer a = http.post("/admin/migrations", bad, token);
      assertThat(a.status()).as(bad + " -> " + a.body()).isEqualTo(400);
    }
    assertThat(http.get("/admin/migrations/no-such-rollout", token).status()).isEqualTo(404);
    assertThat(http.get("/admin/migrations/..%2F..", token).status()).isIn(400, 404);
  }

  @Test
  void aRolloutStartsIsListedPausesResumesAndAborts() {
    UUID canary = activeTenant();
    Answer started =
        http.post(
            "/admin/migrations",
            "{\"target_version\": \"7\", \"canary_tenants\": [\""
                + canary
                + "\"], \"concurrency\": 4, \"per_server_concurrency\": 2,"
                + " \"max_failure_ratio\": 0.25}",
            token);
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String id = started.text("migration_id");
    assertThat(id).matches("m-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}");
    assertThat(started.text("workflow_id")).isEqualTo("fleet-migrate-" + id);

    // A second rollout while this one runs: 409 naming it.
    Answer second = http.post("/admin/migrations", "{}", token);
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.text("migration_id")).isEqualTo(id);

    Answer one = http.get("/admin/migrations/" + id, token);
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.text("target_version")).isEqualTo("7");
    assertThat(one.text("state")).isEqualTo("RUNNING");
    assertThat(one.json().get("counts").get("FAILED").asLong()).isZero();
    assertThat(one.json().get("failures").isArray()).isTrue();
    assertThat(http.get("/admin/migrations", token).body()).contains(id);
    assertThat(flow(id).progress().reason())
        .contains("canaries=[" + canary + "]")
        .contains("concurrency=4/2")
        .contains("ratio=0.25");

    assertThat(
            http.post("/admin/migrations/" + id + "/pause", "{\"reason\":\"look\"}", null).status())
        .isEqualTo(401);
    assertThat(
            http.post("/admin/migrations/" + id + "/pause", "{\"reason\":\"look\"}", token)
                .status())
        .isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "PAUSED".equals(flow(id).progress().state()));
    assertThat(flow(id).progress().reason()).startsWith("look (ops@taskifai.test)");
    assertThat(http.post("/admin/migrations/" + id + "/resume", "", token).status()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "RUNNING".equals(flow(id).progress().state()));
    assertThat(http.post("/admin/migrations/" + id + "/abort", "{}", token).status())
        .isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                platform()
                        .client
                        .newUntypedWorkflowStub(MigrateFleetWorkflow.workflowId(id))
                        .describe()
                        .getStatus()
                    == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);

    // The double records nothing; a new rollout finds the old one's workflow gone and goes on.
    Answer next = http.post("/admin/migrations", "{\"canary_count\": 0}", token);
    assertThat(next.status()).as(next.body()).isEqualTo(202);
    assertThat(http.get("/admin/migrations/" + id, token).text("state")).isEqualTo("FAILED");
    String nextId = next.text("migration_id");
    assertThat(http.post("/admin/migrations/" + nextId + "/abort", "{}", token).status())
        .isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ABORTED".equals(flow(nextId).progress().state()));

    Answer schema = http.get("/admin/tenants/" + canary + "/schema", token);
    assertThat(schema.status()).isEqualTo(200);
    assertThat(schema.body()).contains("\"schema_version\"").contains("\"extensions\":[]");
  }

  @Test
  void enablingAnExtensionChecksNameTenantAndMfa() {
    UUID tenant = activeTenant();
    String path = "/admin/tenants/" + tenant + "/extensions";
    assertThat(http.post(path, "{\"name\":\"custom_fields\"}", null).status()).isEqualTo(401);
    for (String bad :
        List.of("{}", "{\"name\":\"no_such_ext\"}", "{\"name\":\"../db\"}", "{\"name\":7}")) {
      assertThat(http.post(path, bad, token).status()).as(bad).isEqualTo(400);
    }
    assertThat(
            http.post(
                    "/admin/tenants/" + UUID.randomUUID() + "/extensions",
                    "{\"name\":\"custom_fields\"}",
                    token)
                .status())
        .isEqualTo(404);
    registry.setStatus(tenant, TenantStatus.FAILED);
    Answer failed = http.post(path, "{\"name\":\"custom_fields\"}", token);
    assertThat(failed.status()).isEqualTo(409);
    assertThat(failed.text("tenant_status")).isEqualTo("FAILED");
  }
}
