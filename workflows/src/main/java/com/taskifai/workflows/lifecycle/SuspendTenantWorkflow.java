package com.taskifai.workflows.lifecycle;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Suspends an ACTIVE tenant: routers stop serving it at once. Workflow id {@code
 * tenant-suspend-<tenant id>-<n>}.
 */
@WorkflowInterface
public interface SuspendTenantWorkflow {
  @WorkflowMethod
  String suspend(TenantOperation operation);
}
