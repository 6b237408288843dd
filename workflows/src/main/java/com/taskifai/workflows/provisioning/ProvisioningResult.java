package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.WorkflowStatus;
import java.util.UUID;

/**
 * How a provisioning ended: status ACTIVE, FAILED (rolled back) or ROLLBACK_FAILED, the step that
 * failed and why (no secret), and whether the welcome mail went out.
 */
public record ProvisioningResult(
    UUID tenantId,
    WorkflowStatus status,
    String failedStep,
    String reason,
    boolean welcomeEmailSent) {}
