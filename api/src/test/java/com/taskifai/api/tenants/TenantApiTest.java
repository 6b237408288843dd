package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The tenants API over real HTTP, with real PostgreSQL and the Temporal test server running test
 * doubles of the workflows.
 */
class TenantApiTest extends ApiTestBase {
  @Autowired TenantRegistry registry;
  @Autowired com.taskifai.registry.AuditLog auditLog;
  @Autowired VerificationTokens verificationTokens;
  @Autowired LostWorkflowRecovery recovery;
  @Autowired com.taskifai.registry.TenantOperations operations;
  private String token;

  @BeforeEach
  void login() {
    token = freshToken();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private Answer create(String subdomain) {
    return http.post(
        "/admin/tenants",
        AdminHttp.json(
            "company_name",
            "Acme " + subdomain,
            "subdomain",
            subdomain,
            "admin_email",
            "boss@acme.com"),
        token);
  }

  private String status(String tenantId) {
    return http.get("/admin/tenants/" + tenantId, token).text("status");
  }

  private void awaitStatus(String tenantId, String status) {
    await().atMost(Duration.ofSeconds(15)).until(() -> status.equals(status(tenantId)));
  }

  private String activeTenant() {
    String id = create(unique("act")).text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    String link = verificationTokens.issue(UUID.fromString(id), Instant.now().plusSeconds(600));
    assertThat(http.verifyEmail(link).status()).isEqualTo(200);
    awaitStatus(id, "ACTIVE");
    return id;
  }

  @Test
  void createAnswers202AndTheWorkflowReservesTheTenant() {
    String sub = unique("acme");
    Answer a = create(sub);
    assertThat(a.status()).isEqualTo(202);
    assertThat(a.text("workflow_id")).isEqualTo(ProvisionTenantWorkflow.workflowId(sub));
    assertThat(a.text("status")).isEqualTo("PROVISIONING");
    String id = a.text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    JsonNode detail = http.get("/admin/tenants/" + id, token).json();
    assertThat(detail.get("subdomain").asString()).isEqualTo(sub);
    assertThat(detail.get("steps_source").asString()).isEqualTo("workflow");
    assertThat(detail.get("steps").get(0).get("name").asString()).isEqualTo("reserve_tenant");
    assertThat(detail.get("steps").get(0).get("state").asString()).isEqualTo("done");
    assertThat(detail.toString()).doesNotContain("database_key").doesNotContain("tk1.");
  }

  @Test
  void theRegistryHoldsTheTenantWhenThe202ArrivesAndAnAuditRowAloneIsNoTenant() {
    String sub = unique("early");
    Answer a = create(sub);
    assertThat(a.status()).isEqualTo(202);
    // The API inserts the row (PROVISIONING) before it starts the workflow.
    var row = registry.findById(UUID.fromString(a.text("tenant_id")));
    assertThat(row).isPresent();
    assertThat(row.get().subdomain()).isEqualTo(sub);
    assertThat(row.get().companyName()).isEqualTo("Acme " + sub);

    // No tenant is rebuilt from an accepted request's audit row any more.
    UUID ghost = UUID.randomUUID();
    auditLog.append(
        ghost,
        "ops@taskifai.test",
        "tenant.create",
        null,
        "accepted",
        java.util.Map.of("subdomain", unique("ghost"), "company_name", "Ghost Ltd"));
    assertThat(http.get("/admin/tenants/" + ghost, token).status()).isEqualTo(404);
  }

  @Test
  void aWorkflowThatCannotStartReleasesTheInsertedRow() {
    String sub = unique("stuck");
    String first = create(sub).text("tenant_id");
    awaitStatus(first, "AWAITING_VERIFICATION");
    // The first tenant's row frees the subdomain while its workflow still runs (as while it undoes
    // its steps): a second request inserts its row, but its workflow id is taken.
    assertThat(
            registry.transition(
                UUID.fromString(first),
                java.util.List.of(TenantStatus.AWAITING_VERIFICATION),
                TenantStatus.FAILED))
        .isTrue();

    Answer again = create(sub);

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("tenant_id")).isEqualTo(first);
    // The second row was inserted, then released: nothing PROVISIONING is left behind.
    assertThat(registry.findLiveBySubdomain(sub)).isEmpty();
    long failed =
        JdbcClient.create(platform().db.owner())
            .sql("SELECT count(*) FROM tenants WHERE subdomain = :s AND status = 'FAILED'")
            .param("s", sub)
            .query(Long.class)
            .single();
    assertThat(failed).isEqualTo(2);
  }

  @Test
  void refusesInvalidFieldsNamingEachOne() {
    Answer a =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name", " ", "subdomain", "Bad_Name", "admin_email", "not-an-address"),
            token);
    assertThat(a.status()).isEqualTo(400);
    JsonNode fields = a.json().get("fields");
    assertThat(fields.get("company_name").asString()).isEqualTo("is required");
    assertThat(fields.get("subdomain").asString()).contains("lower-case");
    assertThat(fields.get("admin_email").asString()).contains("e-mail address");

    Answer reserved = create("admin");
    assertThat(reserved.status()).isEqualTo(400);
    assertThat(reserved.json().get("fields").get("subdomain").asString()).contains("reserved");
    Answer tooLong =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name", "x".repeat(256), "subdomain", "ok-name", "admin_email", "a@b.co"),
            token);
    assertThat(tooLong.json().get("fields").get("company_name").asString()).contains("255");
  }

  @Test
  void refusesMalformedJsonWith400() {
    Answer a = http.post("/admin/tenants", "{\"company_name\": \"Acme\",", token);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.text("message")).contains("JSON");
    assertThat(http.post("/admin/tenants", "", token).status()).isEqualTo(400);
    assertThat(http.post("/admin/tenants", "[1,2]", token).status()).isEqualTo(400);
  }

  @Test
  void refusesAnUnknownProviderAndSupabaseWhileItIsNotConfigured() {
    for (String provider : new String[] {"mysql", "supabase"}) {
      Answer a =
          http.post(
              "/admin/tenants",
              AdminHttp.json(
                  "company_name",
                  "Acme",
                  "subdomain",
                  unique("prov"),
                  "admin_email",
                  "a@acme.com",
                  "provider",
                  provider),
              token);
      assertThat(a.status()).isEqualTo(400);
      assertThat(a.json().get("fields").get("provider").asString())
          .contains(provider.equals("mysql") ? "'postgres' or 'supabase'" : "not configured");
    }
    Answer ok =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "Acme",
                "subdomain",
                unique("prov"),
                "admin_email",
                "a@acme.com",
                "provider",
                "postgres"),
            token);
    assertThat(ok.status()).isEqualTo(202);
    String id = ok.text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    JsonNode detail = http.get("/admin/tenants/" + id, token).json();
    assertThat(detail.get("provider").asString()).isEqualTo("postgres");
    assertThat(detail.get("project_ref").isNull()).isTrue();
  }

  @Test
  void refusesFaultInjectionWhileTheFlagIsOff() {
    Answer a =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "Acme",
                "subdomain",
                unique("fault"),
                "admin_email",
                "a@acme.com",
                "inject_fault",
                "create_database"),
            token);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("fields").get("inject_fault").asString()).contains("off");
  }

  @Test
  void aSubdomainHeldByALiveTenantAnswers409WithThatTenantAndNoSecondTenant() {
    String sub = unique("dup");
    String first = create(sub).text("tenant_id");
    awaitStatus(first, "AWAITING_VERIFICATION");
    Answer again = create(sub);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("tenant_id")).isEqualTo(first);
    long rows =
        JdbcClient.create(platform().db.owner())
            .sql("SELECT count(*) FROM tenants WHERE subdomain = :s")
            .param("s", sub)
            .query(Long.class)
            .single();
    assertThat(rows).isEqualTo(1);
  }

  @Test
  void twoConcurrentRequestsForOneSubdomainStartOneWorkflow() throws Exception {
    String sub = unique("race");
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    var a = pool.submit(() -> create(sub));
    var b = pool.submit(() -> create(sub));
    int[] statuses = {a.get().status(), b.get().status()};
    pool.shutdown();
    assertThat(statuses).containsExactlyInAnyOrder(202, 409);
  }

  @Test
  void listsTenantsByStatusAndSearch() {
    String sub = unique("listme");
    String id = create(sub).text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    JsonNode page =
        http.get("/admin/tenants?status=awaiting_verification&search=" + sub, token).json();
    assertThat(page.get("total").asLong()).isEqualTo(1);
    assertThat(page.get("items").get(0).get("tenant_id").asString()).isEqualTo(id);
    assertThat(
            http.get("/admin/tenants?status=ACTIVE&search=" + sub, token)
                .json()
                .get("total")
                .asLong())
        .isZero();
    Answer bad = http.get("/admin/tenants?status=SLEEPING", token);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text("message")).contains("AWAITING_VERIFICATION");
    assertThat(http.get("/admin/tenants?size=1000", token).status()).isEqualTo(400);
    assertThat(http.get("/admin/tenants?page=2000000000", token).status()).isEqualTo(400);
    assertThat(http.get("/admin/tenants?page=abc", token).status()).isEqualTo(400);
    assertThat(
            http.post(
                    "/admin/tenants",
                    "{\"company_name\": {\"nested\": 1}, \"subdomain\": \"abc\"}",
                    token)
                .status())
        .isEqualTo(400);
  }

  @Test
  void answers400ForAMalformedIdAnd404ForAnUnknownOne() {
    assertThat(http.get("/admin/tenants/not-a-uuid", token).status()).isEqualTo(400);
    Answer unknown = http.get("/admin/tenants/" + UUID.randomUUID(), token);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.text("message")).contains("no tenant");
  }

  @Test
  void anAdminInviteNeedsFreshMfaAnActiveTenantAndIsAudited() {
    String waiting = create(unique("inv")).text("tenant_id");
    awaitStatus(waiting, "AWAITING_VERIFICATION");
    Answer notLive = http.post("/admin/tenants/" + waiting + "/admin-invite", null, token);
    assertThat(notLive.status()).isEqualTo(409);
    assertThat(notLive.text("message")).contains("ACTIVE");

    String id = activeTenant();
    Instant now = Instant.now();
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            java.util.List.of("pwd", "otp"),
            now.minus(Duration.ofHours(1)),
            now,
            600);
    Answer refused = http.post("/admin/tenants/" + id + "/admin-invite", null, stale);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.text("error")).isEqualTo("mfa_required");
    assertThat(
            http.post("/admin/tenants/" + UUID.randomUUID() + "/admin-invite", null, token)
                .status())
        .isEqualTo(404);

    Answer invite = http.post("/admin/tenants/" + id + "/admin-invite", null, token);
    assertThat(invite.status()).isEqualTo(202);
    assertThat(invite.text("workflow_id")).startsWith("tenant-admin-invite-" + id + "-");
    assertThat(invite.text("action")).isEqualTo("inviting_admin");
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.admin_invite");
  }

  @Test
  void verificationLinkActivatesAndSuspendReactivateDeleteFollow() {
    String id = activeTenant();
    Answer suspend = http.post("/admin/tenants/" + id + "/suspend", null, token);
    assertThat(suspend.status()).isEqualTo(202);
    assertThat(suspend.text("workflow_id")).startsWith("tenant-suspend-" + id + "-");
    awaitStatus(id, "SUSPENDED");
    assertThat(http.post("/admin/tenants/" + id + "/suspend", null, token).status()).isEqualTo(409);
    assertThat(http.post("/admin/tenants/" + id + "/reactivate", null, token).status())
        .isEqualTo(202);
    awaitStatus(id, "ACTIVE");
    Answer delete = http.delete("/admin/tenants/" + id, token);
    assertThat(delete.status()).isEqualTo(202);
    assertThat(delete.text("workflow_id")).isEqualTo("tenant-offboard-" + id);
    awaitStatus(id, "DELETED");
    assertThat(http.delete("/admin/tenants/" + id, token).status()).isEqualTo(409);

    JsonNode audit = http.get("/admin/tenants/" + id + "/audit", token).json().get("entries");
    assertThat(audit.toString())
        .contains("tenant.create")
        .contains("tenant.suspend")
        .contains("tenant.reactivate")
        .contains("tenant.delete")
        .contains("ops@taskifai.test")
        .doesNotContain("token=");
    JsonNode byActor =
        http.get("/admin/audit?actor=ops@taskifai.test&action=tenant.suspend&tenant=" + id, token)
            .json()
            .get("entries");
    assertThat(byActor.size()).isEqualTo(1);
    assertThat(http.get("/admin/audit?from=yesterday", token).status()).isEqualTo(400);
  }

  @Test
  void skippingTheFinalBackupIsAnExplicitAuditedChoice() {
    String id = activeTenant();
    assertThat(http.delete("/admin/tenants/" + id + "?skip_final_backup=maybe", token).status())
        .isEqualTo(400);
    assertThat(status(id)).isEqualTo("ACTIVE");

    Answer delete = http.delete("/admin/tenants/" + id + "?skip_final_backup=true", token);
    assertThat(delete.status()).isEqualTo(202);
    awaitStatus(id, "DELETED");
    JsonNode entries =
        http.get("/admin/audit?action=tenant.delete&tenant=" + id, token).json().get("entries");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.toString()).contains("skip_final_backup");
  }

  @Test
  void deletingATenantStillProvisioningCancelsItsWorkflow() {
    String id = create(unique("cancel")).text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    Answer delete = http.delete("/admin/tenants/" + id, token);
    assertThat(delete.status()).isEqualTo(202);
    assertThat(delete.text("action")).isEqualTo("provisioning_cancelled");
    awaitStatus(id, "FAILED");
    JsonNode steps = http.get("/admin/tenants/" + id, token).json().get("steps");
    assertThat(steps.get(0).get("state").asString()).isEqualTo("compensated");
  }

  @Test
  void aBadOrExpiredVerificationLinkAnswers400Html() {
    Answer bad = http.get("/verify-email?token=abc.def", null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("<h1>This link does not work</h1>");
    String expired = verificationTokens.issue(UUID.randomUUID(), Instant.now().minusSeconds(5));
    assertThat(http.get("/verify-email?token=" + expired, null).status()).isEqualTo(400);
    assertThat(http.get("/verify-email", null).status()).isEqualTo(400);
    assertThat(http.verifyEmail("abc.def").status()).isEqualTo(400);
    assertThat(http.verifyEmail(expired).status()).isEqualTo(400);
  }

  @Test
  void openingTheVerificationLinkChangesNothingOnlyThePageButtonVerifies() throws Exception {
    String id = create(unique("scan")).text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    String link = verificationTokens.issue(UUID.fromString(id), Instant.now().plusSeconds(600));

    // A mail scanner or link preview fetches the link, even twice: a page with one button.
    for (int i = 0; i < 2; i++) {
      Answer page = http.get("/verify-email?token=" + link, null);
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.body())
          .contains("<form method=\"post\" action=\"/verify-email\">")
          .contains("name=\"token\" value=\"" + link + "\"");
    }
    Thread.sleep(1500);
    assertThat(status(id)).isEqualTo("AWAITING_VERIFICATION");

    // Another site's page cannot press the button, nor can a token in the query string.
    Answer crossSite =
        http.postForm("/verify-email", Map.of("token", link), "Origin", "https://evil.example");
    assertThat(crossSite.status()).isEqualTo(403);
    assertThat(
            http.postForm("/verify-email", Map.of("token", link), "Sec-Fetch-Site", "cross-site")
                .status())
        .isEqualTo(403);
    assertThat(http.postForm("/verify-email?token=" + link, Map.of()).status()).isEqualTo(400);
    Thread.sleep(500);
    assertThat(status(id)).isEqualTo("AWAITING_VERIFICATION");

    // The page's own button (same origin) verifies.
    Answer verified = http.verifyEmail(link);
    assertThat(verified.status()).isEqualTo(200);
    assertThat(verified.body()).contains("address verified");
    awaitStatus(id, "ACTIVE");
  }

  @Test
  void workflowHistoryIsATimelineWithoutPayloads() {
    String sub = unique("hist");
    String id = create(sub).text("tenant_id");
    awaitStatus(id, "AWAITING_VERIFICATION");
    String wf = ProvisionTenantWorkflow.workflowId(sub);
    JsonNode refs = http.get("/admin/tenants/" + id + "/workflows", token).json();
    assertThat(refs.toString()).contains(wf);
    Answer history = http.get("/admin/tenants/" + id + "/workflows/" + wf + "/history", token);
    assertThat(history.status()).isEqualTo(200);
    JsonNode timeline = history.json();
    assertThat(timeline.get("status").asString()).isEqualTo("RUNNING");
    assertThat(timeline.get("entries").toString())
        .contains("double_reserve")
        .contains("completed")
        .doesNotContain("boss@acme.com");
    assertThat(
            http.get("/admin/tenants/" + id + "/workflows/someone-elses-workflow/history", token)
                .status())
        .isEqualTo(404);
  }

  @Test
  void theOutboxIs404WithoutADevMailServer() {
    assertThat(http.get("/admin/outbox", token).status()).isEqualTo(404);
  }

  @Test
  void startsALostProvisioningWorkflowAgain() {
    UUID id = UUID.randomUUID();
    String sub = unique("lost");
    registry.reserve(new TenantRegistry.Reservation(id, sub, "Lost Ltd", "l@lost.com", "local"));
    assertThat(recovery.recover()).isGreaterThanOrEqualTo(1);
    awaitStatus(id.toString(), "AWAITING_VERIFICATION");
    assertThat(recovery.recover()).isZero();
    assertThat(registry.findById(id).orElseThrow().status())
        .isEqualTo(TenantStatus.AWAITING_VERIFICATION);
  }

  @Test
  void startsALostOffboardingAgain() {
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(id, unique("gone"), "Gone Ltd", "g@gone.com", "local"));
    registry.setStatus(id, TenantStatus.DELETING);
    assertThat(recovery.recover()).isGreaterThanOrEqualTo(1);
    awaitStatus(id.toString(), "DELETED");
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("workflow.recovered")
        .contains("tenant-offboard-" + id);
  }

  @Test
  void countsSucceededProvisioningsInTheMetrics() {
    String held = activeTenant();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                management
                    .get("/actuator/prometheus", null)
                    .body()
                    .lines()
                    .anyMatch(
                        l ->
                            l.startsWith("taskifai_provisioning_succeeded_total")
                                && !l.endsWith(" 0.0")));
    String metrics = management.get("/actuator/prometheus", null).body();
    assertThat(metrics)
        .contains("taskifai_provisioning_started_total")
        .contains("taskifai_tenants{application=\"taskifai-admin-api\",status=\"ACTIVE\"}");

    // Operations running: a tenant held by a move counts under MOVING until it is released.
    String moving =
        "taskifai_operations_running{application=\"taskifai-admin-api\",operation=\"MOVING\"} ";
    double before = gauge(moving);
    assertThat(
            operations.claim(
                UUID.fromString(held), com.taskifai.registry.TenantOperationKind.MOVING, "op-m1"))
        .isEmpty();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge(moving) == before + 1);
    } finally {
      operations.release(UUID.fromString(held), "op-m1");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gauge(moving) == before);
  }

  private double gauge(String prefix) {
    return management
        .get("/actuator/prometheus", null)
        .body()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElse(-1);
  }
}
