package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.Backups;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.crypto.VerificationTokens;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The backups API: MFA, confirmation, validation, 409 for a busy tenant, listing, audit. */
class BackupApiTest extends ApiTestBase {
  @Autowired VerificationTokens verificationTokens;
  @Autowired com.taskifai.api.metrics.BackupMetrics backupMetrics;
  private String token;
  private Backups backups;
  private TenantOperations operations;

  @BeforeEach
  void login() {
    token = freshToken();
    backups = new Backups(platform().db.platform());
    operations = new TenantOperations(platform().db.platform());
  }

  private String activeTenant(String subdomain) {
    String id = activeTenant("Acme", subdomain, "b@acme.com", token);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_name = 'tenant_x' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    return id;
  }

  private UUID goodBackup(String tenantId) {
    UUID b = UUID.randomUUID();
    backups.start(b, UUID.fromString(tenantId), "manual", "folder", tenantId + "/" + b, "x");
    backups.complete(b, "ab".repeat(32), 1234, "tenant_x", "1", "15.14", "{\"products\": 2}");
    return b;
  }

  @Test
  void backUpNowStartsTheWorkflowAndIsAudited() {
    String sub = "bk-" + UUID.randomUUID().toString().substring(0, 8);
    String id = activeTenant(sub);
    Answer started = http.post("/admin/tenants/" + id + "/backups", null, token);
    assertThat(started.status()).isEqualTo(202);
    String backupId = started.text("backup_id");
    assertThat(started.text("workflow_id")).isEqualTo("tenant-backup-" + id + "-" + backupId);
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.backup")
        .contains(backupId);

    // Without fresh MFA: 403, nothing started.
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            java.util.List.of("pwd"),
            Instant.now(),
            Instant.now(),
            600);
    assertThat(http.post("/admin/tenants/" + id + "/backups", null, stale).status()).isEqualTo(403);
  }

  @Test
  void listsBackupsWithSizeStatusAndChecksumState() {
    String id = activeTenant("bl-" + UUID.randomUUID().toString().substring(0, 8));
    UUID good = goodBackup(id);
    UUID failed = UUID.randomUUID();
    backups.start(failed, UUID.fromString(id), "scheduled", "folder", id + "/" + failed, "x");
    backups.fail(failed, "pg_dump exited with 1");
    Answer list = http.get("/admin/tenants/" + id + "/backups", token);
    assertThat(list.status()).isEqualTo(200);
    var rows = list.json().get("backups");
    assertThat(rows.size()).isEqualTo(2);
    assertThat(list.body())
        .contains(good.toString())
        .contains("\"checksum_state\":\"recorded\"")
        .contains("\"size_bytes\":1234")
        .contains("\"status\":\"FAILED\"")
        .contains("\"backups_enabled\":true")
        .doesNotContain("data_key");

    backupMetrics.refresh();
    // Metrics are served on the management port only.
    String metrics = management.get("/actuator/prometheus", null).body();
    assertThat(metrics)
        .containsPattern(
            "taskifai_backup_newest_good_age_seconds\\{[^}]*tenant_id=\"" + id + "\"\\} [0-9.E]+")
        .containsPattern("taskifai_backup_size_bytes\\{[^}]*tenant_id=\"" + id + "\"\\} 1234\\.0");
  }

  @Test
  void restoreValidatesModeConfirmationAndBackupAndRefusesABusyTenant() {
    String sub = "br-" + UUID.randomUUID().toString().substring(0, 8);
    String id = activeTenant(sub);
    UUID good = goodBackup(id);
    String path = "/admin/tenants/" + id + "/backups/" + good + "/restore";

    assertThat(
            http.post(path, AdminHttp.json("mode", "merge", "confirm_subdomain", sub), token)
                .status())
        .isEqualTo(400);
    Answer wrong =
        http.post(path, AdminHttp.json("mode", "replace", "confirm_subdomain", "other"), token);
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.text("message")).contains("confirm_subdomain");
    assertThat(
            http.post(
                    "/admin/tenants/" + id + "/backups/" + UUID.randomUUID() + "/restore",
                    AdminHttp.json("mode", "replace", "confirm_subdomain", sub),
                    token)
                .status())
        .isEqualTo(404);
    UUID failed = UUID.randomUUID();
    backups.start(failed, UUID.fromString(id), "manual", "folder", id + "/" + failed, "x");
    backups.fail(failed, "upload failed");
    assertThat(
            http.post(
                    "/admin/tenants/" + id + "/backups/" + failed + "/restore",
                    AdminHttp.json("mode", "replace", "confirm_subdomain", sub),
                    token)
                .status())
        .isEqualTo(409);

    // Another operation holds the tenant: 409 naming it, for restores and backups alike.
    assertThat(operations.claim(UUID.fromString(id), "BACKING_UP", "backup:held")).isEmpty();
    Answer busy =
        http.post(path, AdminHttp.json("mode", "replace", "confirm_subdomain", sub), token);
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.body()).contains("BACKING_UP");
    assertThat(http.post("/admin/tenants/" + id + "/backups", null, token).status()).isEqualTo(409);
    operations.release(UUID.fromString(id), "backup:held");

    Answer ok = http.post(path, AdminHttp.json("mode", "copy", "confirm_subdomain", sub), token);
    assertThat(ok.status()).isEqualTo(202);
    assertThat(ok.text("workflow_id")).startsWith("tenant-restore-" + id + "-" + good + "-");
  }

  @Test
  void deleteNeedsAKnownBackupOfThisTenant() {
    String id = activeTenant("bd-" + UUID.randomUUID().toString().substring(0, 8));
    UUID good = goodBackup(id);
    assertThat(
            http.delete("/admin/tenants/" + id + "/backups/" + UUID.randomUUID(), token).status())
        .isEqualTo(404);
    String other = activeTenant("bo-" + UUID.randomUUID().toString().substring(0, 8));
    assertThat(http.delete("/admin/tenants/" + other + "/backups/" + good, token).status())
        .isEqualTo(404);
    Answer deleting = http.delete("/admin/tenants/" + id + "/backups/" + good, token);
    assertThat(deleting.status()).isEqualTo(202);
    assertThat(deleting.text("workflow_id")).isEqualTo("tenant-backup-delete-" + id + "-" + good);
  }
}
