package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.saga.StepProgress;
import java.util.List;
import java.util.UUID;

/**
 * What the provisioning query returns: the tenant status as the workflow sees it and every step.
 */
public record ProvisioningProgress(
    UUID tenantId, WorkflowStatus status, List<StepProgress> steps) {}
