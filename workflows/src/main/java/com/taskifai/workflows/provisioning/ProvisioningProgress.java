package com.taskifai.workflows.provisioning;

import java.util.List;
import java.util.UUID;

/**
 * What the provisioning query returns: the tenant status as the workflow sees it and every step.
 */
public record ProvisioningProgress(UUID tenantId, String status, List<StepProgress> steps) {}
