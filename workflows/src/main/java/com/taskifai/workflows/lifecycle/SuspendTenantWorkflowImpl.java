package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.workflow.Workflow;
import java.util.Map;

/** Suspends an ACTIVE tenant through suspend_tenant; returns the new status. */
public class SuspendTenantWorkflowImpl implements SuspendTenantWorkflow {

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.REGISTRY);

  @Override
  public String suspend(TenantOperation operation) {
    LifecycleActivities.audit(registry, operation, "suspend_tenant", Outcome.STARTED, Map.of());
    registry.suspendTenant(StepInput.of(operation.tenantId(), operation.subdomain()));
    LifecycleActivities.audit(registry, operation, "suspend_tenant", Outcome.SUCCEEDED, Map.of());
    return "SUSPENDED";
  }
}
