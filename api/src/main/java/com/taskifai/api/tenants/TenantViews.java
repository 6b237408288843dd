package com.taskifai.api.tenants;

import com.taskifai.registry.Tenant;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The JSON bodies of the tenants API. */
final class TenantViews {
  private TenantViews() {}

  record Accepted(UUID tenantId, String workflowId, String status, String action) {}

  record TenantSummary(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String status,
      String region,
      Instant createdAt,
      Instant updatedAt,
      String tier) {
    static TenantSummary of(Tenant t) {
      return new TenantSummary(
          t.tenantId(),
          t.subdomain(),
          t.companyName(),
          t.adminEmail(),
          t.status().name(),
          t.region(),
          t.createdAt(),
          t.updatedAt(),
          tierOf(t));
    }
  }

  /** {@code dedicated} (a database of its own) or {@code trial} (the shared trial database). */
  static String tierOf(Tenant t) {
    return t.isTrial() ? Tenant.TRIAL : Tenant.DEDICATED;
  }

  record TenantPage(List<TenantSummary> items, int page, int size, long total) {}

  record TenantDetail(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String status,
      String workflowStatus,
      boolean active,
      String region,
      String databaseName,
      String tenantUrl,
      Instant createdAt,
      Instant updatedAt,
      Instant verifiedAt,
      Instant activatedAt,
      Instant suspendedAt,
      Instant deletedAt,
      String workflowId,
      String stepsSource,
      List<TenantSteps.StepView> steps,
      String temporalUiUrl,
      String workflowService,
      String provider,
      String projectRef,
      String providerDashboardUrl,
      String providerStatus,
      String tier,
      Instant restorableFrom,
      Instant restorableTo,
      String restorableReason) {}

  /**
   * A workflow of the tenant; {@code traceUrl} is its trace in the trace viewer, null when traces
   * are off.
   */
  record WorkflowRef(String workflowId, String kind, String traceUrl) {}
}
