package com.taskifai.routing.api;

import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.crypto.ExportLinks;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * The tenant admin's own exports on the routed API. The router has no Temporal client: a request is
 * a {@code tenant_exports} row marked as the tenant's ({@link TenantExports#requestByTenant}),
 * whose workflow the worker starts; the row is then filled exactly as an export the platform admin
 * asked for. The download link is the same one-use, expiring {@link ExportLinks} token, served by
 * the admin API's download path ({@code TASKIFAI_ADMIN_URL}), which the token alone opens.
 */
@Service
class TenantExportRequests {
  private final TenantExports exports;
  private final ExportLinks links;
  private final AuditLog audit;
  private final TenantDatabase db;
  private final String adminUrl;

  TenantExportRequests(
      TenantExports exports,
      ExportLinks links,
      AuditLog audit,
      TenantDatabase db,
      RoutingSettings settings) {
    this.exports = exports;
    this.links = links;
    this.audit = audit;
    this.db = db;
    this.adminUrl = settings.adminUrl;
  }

  /** The answer of a request: where to poll. */
  record Requested(UUID exportId, String status, String statusUrl) {}

  /** An export as its tenant sees it; {@code downloadUrl} only while the link works. */
  record ExportView(
      UUID exportId,
      String status,
      String requestedBy,
      Instant createdAt,
      Instant finishedAt,
      Long archiveBytes,
      String sha256,
      String error,
      Instant expiresAt,
      Instant downloadedAt,
      String downloadUrl) {}

  Requested request(RoutedTenant routed, TenantUser user) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("export the tenant's data");
    }
    Tenant t = routed.tenant();
    if (t.isTrial() || t.databaseName() == null) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "not_exportable",
          "a trial's data lives in the shared trial database and cannot be exported on its own:"
              + " upgrade to a paid plan first");
    }
    String actor =
        db.inTransaction(
            routed,
            user,
            tx ->
                Users.find(tx.jdbc(), user.userId())
                    .map(u -> "tenant-admin:" + u.email())
                    .orElseThrow(() -> ApiException.notFound("your user no longer exists")));
    UUID exportId = UUID.randomUUID();
    exports.requestByTenant(exportId, t.tenantId(), actor);
    audit.append(
        t.tenantId(),
        actor,
        "tenant.export",
        null,
        "accepted",
        Map.of("export_id", exportId.toString(), "via", "tenant_api"));
    return new Requested(exportId, "REQUESTED", "/api/export/" + exportId);
  }

  ExportView show(RoutedTenant routed, TenantUser user, UUID exportId) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("see the tenant's exports");
    }
    UUID tenantId = routed.tenant().tenantId();
    TenantExports.Export e =
        exports
            .find(exportId)
            .filter(x -> x.tenantId().equals(tenantId))
            .orElseThrow(() -> ApiException.notFound("this tenant has no export " + exportId));
    return new ExportView(
        e.exportId(),
        e.status(),
        e.requestedBy(),
        e.createdAt(),
        e.finishedAt(),
        e.archiveBytes(),
        e.sha256(),
        e.error(),
        e.expiresAt(),
        e.downloadedAt(),
        downloadUrl(e));
  }

  /** The link while it works: READY, not used, not expired, made with a key of the ring. */
  private String downloadUrl(TenantExports.Export e) {
    if (!e.ready()
        || e.downloadedAt() != null
        || e.expiresAt() == null
        || !e.expiresAt().isAfter(Instant.now())) {
      return null;
    }
    return links
        .current(e.exportId(), e.linkVersion(), e.expiresAt(), e.tokenHash())
        .map(
            token ->
                adminUrl
                    + "/admin/tenants/"
                    + e.tenantId()
                    + "/exports/"
                    + e.exportId()
                    + "/download?token="
                    + token)
        .orElse(null);
  }
}
