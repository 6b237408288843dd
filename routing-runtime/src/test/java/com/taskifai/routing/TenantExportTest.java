package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.AuditLog;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.crypto.ExportLinks;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tenant admin's export on the routed API: a request is a registry row the worker starts
 * (marked as the tenant's, audited under the admin), polled until READY, when it carries the same
 * one-use link as the admin API's; a user who is not an admin, and another tenant's token, are
 * refused without a row.
 */
class TenantExportTest {
  static RouterApp app;
  static TenantFixture.TestTenant tenant;
  static TenantFixture.TestTenant other;
  static String admin;

  @BeforeAll
  static void aTenantWithItsAdmin() {
    app = SharedRouter.app();
    tenant = SharedRouter.fixture().create(TenantFixture.subdomain("export"));
    other = SharedRouter.fixture().create(TenantFixture.subdomain("exother"));
    admin = app.signInAdmin(tenant);
  }

  private static String host(TenantFixture.TestTenant t) {
    return t.subdomain() + ".localhost";
  }

  @Test
  void anAdminsRequestIsATenantRowAuditedUnderTheAdminAndPolledUntilItsLinkWorks() {
    RouterApp.Response requested = app.post(host(tenant), "/api/export", admin, Map.of());

    assertThat(requested.status()).isEqualTo(202);
    UUID exportId = UUID.fromString(requested.json().get("export_id").asString());
    assertThat(requested.json().get("status_url").asString()).isEqualTo("/api/export/" + exportId);
    TenantExports exports = app.bean(TenantExports.class);
    assertThat(exports.tenantRequests(1000))
        .anySatisfy(
            e -> {
              assertThat(e.exportId()).isEqualTo(exportId);
              assertThat(e.tenantId()).isEqualTo(tenant.id());
              assertThat(e.requestedBy()).isEqualTo("tenant-admin:" + tenant.adminEmail());
            });
    assertThat(app.bean(AuditLog.class).query(AuditLog.Query.forTenant(tenant.id())))
        .anySatisfy(
            a -> {
              assertThat(a.action()).isEqualTo("tenant.export");
              assertThat(a.actor()).isEqualTo("tenant-admin:" + tenant.adminEmail());
            });
    RouterApp.Response polled = app.get(host(tenant), "/api/export/" + exportId, admin);
    assertThat(polled.status()).isEqualTo(200);
    assertThat(polled.json().get("status").asString()).isEqualTo("REQUESTED");
    assertThat(polled.json().get("download_url").isNull()).isTrue();

    // What the worker's export workflow leaves: the archive recorded and the first link issued.
    Instant expires = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS);
    ExportLinks links = app.bean(ExportLinks.class);
    exports.start(exportId, "folder", "exports/x.tkx", "sealed");
    exports.stored(exportId, 10, 20, "ab".repeat(32), "{}");
    exports.issueLink(exportId, 1, ExportLinks.hash(links.issue(exportId, 1, expires)), expires);

    RouterApp.Response ready = app.get(host(tenant), "/api/export/" + exportId, admin);
    assertThat(ready.json().get("status").asString()).isEqualTo("READY");
    assertThat(ready.json().get("download_url").asString())
        .isEqualTo(
            "http://localhost:8080/admin/tenants/"
                + tenant.id()
                + "/exports/"
                + exportId
                + "/download?token="
                + links.issue(exportId, 1, expires));
    // Another tenant's admin does not see it: not theirs is not there.
    String otherAdmin = app.signInAdmin(other);
    assertThat(app.get(host(other), "/api/export/" + exportId, otherAdmin).status()).isEqualTo(404);
    assertThat(app.get(host(tenant), "/api/export/not-a-uuid", admin).status()).isEqualTo(400);
  }

  @Test
  void aUserWhoIsNotAnAdminAndAnotherTenantsTokenAreRefusedWithoutARow() {
    RouterApp.Response created =
        app.post(
            host(tenant),
            "/api/users",
            admin,
            Map.of("email", "clerk-" + UUID.randomUUID() + "@export.test", "role", "user"));
    String user =
        app.setPasswordAndSignIn(
            tenant.subdomain(),
            created.json().get("set_password_token").asString(),
            created.json().get("email").asString());
    int before = app.bean(TenantExports.class).forTenant(tenant.id()).size();

    RouterApp.Response refused = app.post(host(tenant), "/api/export", user, Map.of());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().get("detail").asString()).contains("only tenant admins");
    assertThat(app.post(host(other), "/api/export", admin, Map.of()).status()).isIn(401, 403);
    assertThat(app.post(host(tenant), "/api/export", null, Map.of()).status()).isEqualTo(401);

    assertThat(app.bean(TenantExports.class).forTenant(tenant.id())).hasSize(before);
    assertThat(app.bean(TenantExports.class).forTenant(other.id())).isEmpty();
  }
}
