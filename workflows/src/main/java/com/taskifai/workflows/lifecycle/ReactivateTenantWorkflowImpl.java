package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.workflow.Workflow;
import java.util.Map;

/** Makes a SUSPENDED tenant ACTIVE again through reactivate_tenant; returns the new status. */
public class ReactivateTenantWorkflowImpl implements ReactivateTenantWorkflow {

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.REGISTRY);

  @Override
  public String reactivate(TenantOperation operation) {
    LifecycleActivities.audit(registry, operation, "reactivate_tenant", Outcome.STARTED, Map.of());
    registry.reactivateTenant(StepInput.of(operation.tenantId(), operation.subdomain()));
    LifecycleActivities.audit(
        registry, operation, "reactivate_tenant", Outcome.SUCCEEDED, Map.of());
    return "ACTIVE";
  }
}
