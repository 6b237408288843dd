package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * Input of send_verification_email: the tenant and how long the link works. The lifetime is the
 * workflow's verification timeout (from the provisioning request the API built), so the link and
 * the wait always agree; the worker has no setting of its own for it.
 */
public record VerificationMailInput(UUID tenantId, String subdomain, Duration linkLifetime)
    implements TenantScoped {

  public StepInput step() {
    return StepInput.of(tenantId, subdomain);
  }
}
