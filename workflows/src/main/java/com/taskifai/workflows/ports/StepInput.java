package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import java.util.UUID;

/**
 * Input of a provisioning or lifecycle step: which tenant. Activities read everything else they
 * need from the registry by tenant id, so no secret ever travels through Temporal.
 */
public record StepInput(UUID tenantId, String subdomain) implements TenantScoped {
  public static StepInput of(UUID tenantId, String subdomain) {
    return new StepInput(tenantId, subdomain);
  }
}
