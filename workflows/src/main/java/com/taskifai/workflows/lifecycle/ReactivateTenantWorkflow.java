package com.taskifai.workflows.lifecycle;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Makes a SUSPENDED tenant ACTIVE again. */
@WorkflowInterface
public interface ReactivateTenantWorkflow {
  @WorkflowMethod
  String reactivate(TenantOperation operation);
}
