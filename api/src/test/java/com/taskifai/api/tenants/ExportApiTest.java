package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.ExportRetentionSettings;
import com.taskifai.activities.database.ExportRetention;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.ExportLinks;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The exports API: fresh MFA to request one or a new link, 404/400 for what is not there or not
 * sent, and a download link that works once, expires, and stops working when replaced. The archive
 * is stored here as the worker stores it (encrypted under its data key in the same store); the
 * workflow itself runs against a real tenant database in the activities module.
 */
class ExportApiTest extends ApiTestBase {
  private static final String ARCHIVE = "PK stand-in for the export's ZIP, streamed as stored";

  @Autowired BackupStore store;
  @Autowired CredentialCipher cipher;
  @Autowired ExportLinks links;
  @Autowired TenantExports exports;
  @Autowired AuditLog audit;
  private String token;

  @BeforeEach
  void login() {
    token = freshToken();
  }

  private String activeTenant(String prefix) {
    String id =
        activeTenant(
            "Export Co",
            prefix + "-" + UUID.randomUUID().toString().substring(0, 8),
            "e@export.test",
            token);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_name = 'tenant_x' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    return id;
  }

  /** A READY export as the workflow leaves it, its link expiring at {@code expires}. */
  private UUID readyExport(String tenantId, Instant expires) throws Exception {
    UUID exportId = UUID.randomUUID();
    exports.request(exportId, UUID.fromString(tenantId), "ops");
    fill(tenantId, exportId, expires);
    return exportId;
  }

  /** Does to a REQUESTED export what the export workflow does: store, record, first link. */
  private void fill(String tenantId, UUID exportId, Instant expires) throws Exception {
    byte[] dataKey = BackupCipher.newDataKey();
    String key = "exports/" + tenantId + "/" + exportId + ".tkx";
    exports.start(exportId, store.kind(), key, BackupCipher.wrap(cipher, exportId, dataKey));
    byte[] plain = ARCHIVE.getBytes(StandardCharsets.US_ASCII);
    long stored =
        store.put(key, BackupCipher.encrypting(new ByteArrayInputStream(plain), dataKey, exportId));
    exports.stored(
        exportId, plain.length, stored, "ab".repeat(32), "{\"tables\": {\"products\": 3}}");
    Instant at = expires.truncatedTo(ChronoUnit.SECONDS);
    assertThat(exports.issueLink(exportId, 1, ExportLinks.hash(links.issue(exportId, 1, at)), at))
        .isTrue();
  }

  @Test
  void aFinalExportAtOffboardingOutlivesTheTenantAndGetsAFreshLinkAfterwards() throws Exception {
    String id = activeTenant("exf");
    assertThat(http.delete("/admin/tenants/" + id + "?final_export=maybe", token).status())
        .isEqualTo(400);
    assertThat(exports.forTenant(UUID.fromString(id))).isEmpty();

    assertThat(http.delete("/admin/tenants/" + id + "?final_export=true", token).status())
        .isEqualTo(202);

    // The offboarding names a REQUESTED export in its input (its workflow fills it, in the
    // workflows module's LifecycleWorkflowsTest); the tenant here is offboarded by the double.
    TenantExports.Export requested = exports.forTenant(UUID.fromString(id)).get(0);
    assertThat(requested.status()).isEqualTo("REQUESTED");
    assertThat(requested.finalCopy()).as("retention keeps the final copy longer").isTrue();
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("final_export_id")
        .contains(requested.exportId().toString());
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(15))
        .until(() -> "DELETED".equals(http.get("/admin/tenants/" + id, token).text("status")));
    assertThat(http.delete("/admin/tenants/" + id + "?final_export=true", token).status())
        .isEqualTo(409);

    fill(id, requested.exportId(), Instant.now().minusSeconds(1));
    String status = "/admin/tenants/" + id + "/exports/" + requested.exportId();
    Answer renewed = http.post(status + "/link", null, token);
    assertThat(renewed.status()).isEqualTo(200);
    // The link alone opens it (the tenant's own admin has no platform token), once.
    assertThat(http.get(renewed.text("download_url"), null).body()).isEqualTo(ARCHIVE);
    assertThat(http.get(renewed.text("download_url"), null).status()).isEqualTo(410);
    assertThat(http.get(status, null).status()).isEqualTo(401);
  }

  @Test
  void requestingAnExportNeedsFreshMfaAndAnswers202WithWhereToPoll() {
    String id = activeTenant("ex");
    assertThat(http.post("/admin/tenants/" + id + "/exports", null, staleMfaToken()).status())
        .isEqualTo(403);
    assertThat(exports.forTenant(UUID.fromString(id))).isEmpty();

    Answer started = http.post("/admin/tenants/" + id + "/exports", null, token);

    assertThat(started.status()).isEqualTo(202);
    String exportId = started.text("export_id");
    assertThat(started.text("workflow_id")).isEqualTo("tenant-export-" + id + "-" + exportId);
    assertThat(started.text("status_url"))
        .isEqualTo("/admin/tenants/" + id + "/exports/" + exportId);
    Answer list = http.get("/admin/tenants/" + id + "/exports", token);
    assertThat(list.json().get("exports").get(0).get("export_id").asText()).isEqualTo(exportId);
    assertThat(list.json().get("exports").get(0).get("status").asText()).isEqualTo("REQUESTED");
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.export")
        .contains(exportId);
    // What is not there is a 404, what is malformed a 400, never a 500.
    assertThat(http.post("/admin/tenants/" + UUID.randomUUID() + "/exports", null, token).status())
        .isEqualTo(404);
    assertThat(http.get("/admin/tenants/" + id + "/exports/" + UUID.randomUUID(), token).status())
        .isEqualTo(404);
    assertThat(http.get("/admin/tenants/" + id + "/exports/not-a-uuid", token).status())
        .isEqualTo(400);
  }

  @Test
  void aLinkWorksOnceAndAFreshLinkReplacesIt() throws Exception {
    String id = activeTenant("exl");
    UUID exportId = readyExport(id, Instant.now().plusSeconds(3600));
    String status = "/admin/tenants/" + id + "/exports/" + exportId;
    Answer shown = http.get(status, token);
    assertThat(shown.text("status")).isEqualTo("READY");
    assertThat(shown.text("step")).isEqualTo("done");
    assertThat(shown.json().get("manifest").get("tables").get("products").asInt()).isEqualTo(3);
    String url = shown.text("download_url");
    assertThat(url).startsWith(status + "/download?token=");

    Answer first = http.get(url, token);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(ARCHIVE);
    Answer second = http.get(url, token);
    assertThat(second.status()).isEqualTo(410);
    assertThat(second.body()).contains("used already").contains("POST " + status + "/link");
    assertThat(http.get(status, token).json().get("download_url").isNull()).isTrue();

    assertThat(http.post(status + "/link", null, staleMfaToken()).status()).isEqualTo(403);
    Answer renewed = http.post(status + "/link", null, token);
    assertThat(renewed.status()).isEqualTo(200);
    String fresh = renewed.text("download_url");
    assertThat(fresh).isNotEqualTo(url);
    assertThat(http.get(url, token).status()).isEqualTo(410);
    assertThat(http.get(fresh, token).body()).isEqualTo(ARCHIVE);
    assertThat(http.get(fresh, token).status()).isEqualTo(410);
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.export_link")
        .contains("tenant.export_download")
        .doesNotContain(fresh.substring(fresh.indexOf('=') + 1));
  }

  @Test
  void anExpiredLinkAnswers410AndADownloadWithoutTokenAnswers400() throws Exception {
    String id = activeTenant("exe");
    UUID exportId = readyExport(id, Instant.now().minusSeconds(5));
    String status = "/admin/tenants/" + id + "/exports/" + exportId;
    assertThat(http.get(status, token).json().get("download_url").isNull()).isTrue();
    Instant past = exports.find(exportId).orElseThrow().expiresAt();
    String expired = links.issue(exportId, 1, past);

    Answer gone = http.get(status + "/download?token=" + expired, token);

    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.body()).contains("has expired").contains("request a new link");
    assertThat(http.get(status + "/download", token).status()).isEqualTo(400);
    assertThat(http.get(status + "/download?token=forged", token).status()).isEqualTo(410);
    // Another tenant's path does not reach this export.
    String other = activeTenant("exo");
    assertThat(
            http.get(
                    "/admin/tenants/"
                        + other
                        + "/exports/"
                        + exportId
                        + "/download?token="
                        + expired,
                    token)
                .status())
        .isEqualTo(404);
  }

  @Test
  void retentionDeletesAnExportItsGraceAfterItsLinkExpiredAndItsLinkThenAnswers410()
      throws Exception {
    String id = activeTenant("exr");
    UUID tenant = UUID.fromString(id);
    Instant now = Instant.now();
    UUID old = readyExport(id, now.minus(Duration.ofDays(8)));
    UUID inGrace = readyExport(id, now.minus(Duration.ofDays(6)));
    UUID fresh = readyExport(id, now.plus(Duration.ofHours(1)));
    // The customer's final copy: its link expired as long ago, but it was written just now.
    UUID finalCopy = UUID.randomUUID();
    exports.requestFinal(finalCopy, tenant, "ops");
    fill(id, finalCopy, now.minus(Duration.ofDays(8)));
    // Marked DELETED by hand (as the docs said before retention), its object still stored.
    UUID byHand = readyExport(id, now.plus(Duration.ofHours(1)));
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenant_exports SET status = 'DELETED' WHERE export_id = :id")
        .param("id", byHand)
        .update();
    String oldToken = links.issue(old, 1, exports.find(old).orElseThrow().expiresAt());

    List<UUID> deleted =
        new ExportRetention(exports, store, audit, Clock.systemUTC())
            .expire(ExportRetentionSettings.defaults());

    assertThat(deleted).contains(old, byHand).doesNotContain(inGrace, fresh, finalCopy);
    assertThat(store.exists(key(id, old))).as("the expired export's archive").isFalse();
    assertThat(store.exists(key(id, byHand))).as("the hand-marked export's archive").isFalse();
    assertThat(store.exists(key(id, inGrace))).isTrue();
    assertThat(store.exists(key(id, fresh))).isTrue();
    assertThat(store.exists(key(id, finalCopy))).isTrue();
    TenantExports.Export gone = exports.find(old).orElseThrow();
    assertThat(gone.status()).isEqualTo("DELETED");
    assertThat(gone.deletedAt()).isNotNull();
    assertThat(exports.find(byHand).orElseThrow().deletedAt()).isNotNull();

    String status = "/admin/tenants/" + id + "/exports/" + old;
    Answer download = http.get(status + "/download?token=" + oldToken, null);
    assertThat(download.status()).isEqualTo(410);
    assertThat(download.text("error")).isEqualTo("export_deleted");
    assertThat(download.text("message"))
        .contains("deleted")
        .contains("TASKIFAI_EXPORT_RETENTION_GRACE")
        .contains("request a new export");
    Answer relink = http.post(status + "/link", null, token);
    assertThat(relink.status()).isEqualTo(410);
    assertThat(relink.text("error")).isEqualTo("export_deleted");
    Answer shown = http.get(status, token);
    assertThat(shown.text("status")).isEqualTo("DELETED");
    assertThat(shown.json().get("download_url").isNull()).isTrue();
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.export_deleted")
        .contains(old.toString());
    // The export that is still in its window downloads as before.
    String freshUrl =
        http.get("/admin/tenants/" + id + "/exports/" + fresh, token).text("download_url");
    assertThat(http.get(freshUrl, null).body()).isEqualTo(ARCHIVE);
    // A second pass finds nothing more to do now.
    assertThat(
            new ExportRetention(exports, store, audit, Clock.systemUTC())
                .expire(ExportRetentionSettings.defaults()))
        .doesNotContain(old, byHand, inGrace, fresh, finalCopy);

    // 31 days on the final copy's own window has passed too (and every link's grace).
    List<UUID> later =
        new ExportRetention(
                exports, store, audit, Clock.offset(Clock.systemUTC(), Duration.ofDays(31)))
            .expire(ExportRetentionSettings.defaults());
    assertThat(later).contains(finalCopy, inGrace, fresh);
    assertThat(store.exists(key(id, finalCopy))).isFalse();
    Answer finalGone =
        http.post("/admin/tenants/" + id + "/exports/" + finalCopy + "/link", null, token);
    assertThat(finalGone.status()).isEqualTo(410);
    assertThat(finalGone.text("message")).contains("TASKIFAI_EXPORT_FINAL_RETENTION");
  }

  private static String key(String tenantId, UUID exportId) {
    return "exports/" + tenantId + "/" + exportId + ".tkx";
  }

  @Test
  void anArchiveMissingFromTheStoreAnswers503WithoutUsingTheLink() throws Exception {
    String id = activeTenant("exm");
    UUID exportId = readyExport(id, Instant.now().plusSeconds(3600));
    String status = "/admin/tenants/" + id + "/exports/" + exportId;
    String url = http.get(status, token).text("download_url");
    // As when the admin API's store settings are not the worker's: the object is not where it
    // looks.
    store.delete(key(id, exportId));

    Answer missing = http.get(url, null);

    assertThat(missing.status()).isEqualTo(503);
    assertThat(missing.text("error")).isEqualTo("export_not_in_store");
    assertThat(missing.text("message"))
        .contains("TASKIFAI_BACKUP_DIR")
        .contains("the link was not used");
    assertThat(exports.find(exportId).orElseThrow().downloadedAt()).isNull();
    assertThat(http.get(status, token).text("download_url")).isEqualTo(url);
  }
}
