package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/**
 * Input of a lifecycle workflow: which tenant, and who asked (an admin's e-mail or id). {@code
 * skipFinalBackup} (offboarding only) lets an admin offboard without the final backup. {@code
 * finalExportId} (offboarding only; null for none) is the REQUESTED {@code tenant_exports} row the
 * offboarding fills as the customer's final copy before the database is dropped, its first link
 * working {@code finalExportLinkTtlSeconds}.
 */
public record TenantOperation(
    UUID tenantId,
    String subdomain,
    String actor,
    boolean skipFinalBackup,
    UUID finalExportId,
    long finalExportLinkTtlSeconds)
    implements TenantScoped {

  public TenantOperation(UUID tenantId, String subdomain, String actor) {
    this(tenantId, subdomain, actor, false);
  }

  public TenantOperation(UUID tenantId, String subdomain, String actor, boolean skipFinalBackup) {
    this(tenantId, subdomain, actor, skipFinalBackup, null, 0);
  }
}
