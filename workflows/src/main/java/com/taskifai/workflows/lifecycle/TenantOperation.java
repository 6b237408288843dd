package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/**
 * Input of a lifecycle workflow: which tenant, and who asked (an admin's e-mail or id). {@code
 * skipFinalBackup} (offboarding only) lets an admin offboard without the final backup.
 */
public record TenantOperation(
    UUID tenantId, String subdomain, String actor, boolean skipFinalBackup)
    implements TenantScoped {

  public TenantOperation(UUID tenantId, String subdomain, String actor) {
    this(tenantId, subdomain, actor, false);
  }
}
