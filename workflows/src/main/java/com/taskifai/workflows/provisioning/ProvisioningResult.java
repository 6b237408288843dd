package com.taskifai.workflows.provisioning;

import java.util.UUID;

/**
 * How a provisioning ended: status ACTIVE, FAILED (rolled back) or ROLLBACK_FAILED, the step that
 * failed and why (no secret), and whether the welcome mail went out.
 */
public record ProvisioningResult(
    UUID tenantId, String status, String failedStep, String reason, boolean welcomeEmailSent) {}
