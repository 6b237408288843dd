package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The trial tier in the admin API: the tier field's validation, and the promotion endpoint's fresh
 * MFA, confirmation, 409s and audit.
 */
class PromoteApiTest extends ApiTestBase {
  private String token;
  private TenantRegistry registry;
  private TenantOperations operations;

  @BeforeEach
  void login() {
    token = freshToken();
    registry = new TenantRegistry(platform().db.platform());
    operations = new TenantOperations(platform().db.platform());
  }

  private UUID tenant(String tier) {
    UUID id = UUID.randomUUID();
    String sub = "pr-" + id.toString().substring(0, 8);
    registry.reserve(new TenantRegistry.Reservation(id, sub, "Promo", "p@promo.test", "local"));
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET tier = :tier WHERE tenant_id = :id")
        .param("tier", tier)
        .param("id", id)
        .update();
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private String subdomain(UUID id) {
    return registry.findById(id).orElseThrow().subdomain();
  }

  @Test
  void theTierFieldTakesDedicatedOrTrialOnly() {
    Answer a =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "Tiered",
                "subdomain",
                "tier-" + UUID.randomUUID().toString().substring(0, 8),
                "admin_email",
                "t@tiered.com",
                "tier",
                "gold"),
            token);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("fields").get("tier").asString()).contains("'trial'");
  }

  @Test
  void theTenantDetailAndListShowTheTier() {
    UUID trial = tenant("trial");
    UUID dedicated = tenant("dedicated");

    Answer detail = http.get("/admin/tenants/" + trial, token);
    assertThat(detail.status()).isEqualTo(200);
    assertThat(detail.body()).contains("\"tier\":\"trial\"");
    assertThat(detail.text("subdomain")).isEqualTo(subdomain(trial));
    assertThat(http.get("/admin/tenants/" + dedicated, token).text("tier")).isEqualTo("dedicated");

    for (UUID id : List.of(trial, dedicated)) {
      Answer list = http.get("/admin/tenants?search=" + subdomain(id), token);
      assertThat(list.status()).isEqualTo(200);
      assertThat(list.json().get("items")).hasSize(1);
      assertThat(list.json().get("items").get(0).get("tier").asString())
          .isEqualTo(id.equals(trial) ? "trial" : "dedicated");
    }
  }

  @Test
  void promotionNeedsFreshMfaAndTheSubdomainTyped() {
    UUID id = tenant("trial");
    String stale = staleMfaToken();
    String body = AdminHttp.json("confirm_subdomain", subdomain(id));
    Answer refused = http.post("/admin/tenants/" + id + "/promote", body, stale);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.text("error")).isEqualTo("mfa_required");
    assertThat(http.post("/admin/tenants/" + id + "/promote", null, token).status()).isEqualTo(400);
    Answer wrong =
        http.post(
            "/admin/tenants/" + id + "/promote",
            AdminHttp.json("confirm_subdomain", "someone-else"),
            token);
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.text("message")).contains("confirm_subdomain");
    assertThat(operations.current(id)).isEmpty();
    assertThat(http.post("/admin/tenants/" + UUID.randomUUID() + "/promote", body, token).status())
        .isEqualTo(404);
  }

  @Test
  void aDedicatedTenantOrABusyTrialAnswers409() {
    UUID dedicated = tenant("dedicated");
    Answer d =
        http.post(
            "/admin/tenants/" + dedicated + "/promote",
            AdminHttp.json("confirm_subdomain", subdomain(dedicated)),
            token);
    assertThat(d.status()).isEqualTo(409);
    assertThat(d.text("message")).contains("database of its own");

    UUID busy = tenant("trial");
    assertThat(operations.claim(busy, "BACKING_UP", "backup:x")).isEmpty();
    Answer b =
        http.post(
            "/admin/tenants/" + busy + "/promote",
            AdminHttp.json("confirm_subdomain", subdomain(busy)),
            token);
    assertThat(b.status()).isEqualTo(409);
    assertThat(b.text("operation")).isEqualTo("BACKING_UP");
  }

  @Test
  void aPromotionStartsClaimsTheTenantIsAuditedAndASecondOneAnswers409() {
    UUID id = tenant("trial");
    String body = AdminHttp.json("confirm_subdomain", subdomain(id));
    Answer started = http.post("/admin/tenants/" + id + "/promote", body, token);
    assertThat(started.status()).isEqualTo(202);
    assertThat(started.text("workflow_id")).isEqualTo("tenant-promote-" + id);
    assertThat(operations.current(id))
        .hasValueSatisfying(h -> assertThat(h.operation()).isEqualTo("PROMOTING"));
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.promote");
    Answer again = http.post("/admin/tenants/" + id + "/promote", body, token);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("operation")).isEqualTo("PROMOTING");
    Answer view = http.get("/admin/tenants/" + id + "/promotion", token);
    assertThat(view.status()).isEqualTo(200);
    assertThat(view.text("tier")).isEqualTo("trial");
    // A trial has no backups: they would dump every trial's rows.
    assertThat(http.post("/admin/tenants/" + id + "/backups", null, token).status()).isEqualTo(409);
  }
}
