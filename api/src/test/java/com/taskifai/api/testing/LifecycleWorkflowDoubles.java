package com.taskifai.api.testing;

import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.ReactivateTenantWorkflow;
import com.taskifai.workflows.lifecycle.SuspendTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** Test doubles of the lifecycle workflows: each sets the status the real one ends in. */
public final class LifecycleWorkflowDoubles {
  private LifecycleWorkflowDoubles() {}

  static RegistryDoubleActivities registry() {
    return Workflow.newActivityStub(
        RegistryDoubleActivities.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());
  }

  /** Suspends. */
  public static class Suspend implements SuspendTenantWorkflow {
    @Override
    public String suspend(TenantOperation op) {
      registry().setStatus(op.tenantId(), "SUSPENDED");
      return "SUSPENDED";
    }
  }

  /** Reactivates. */
  public static class Reactivate implements ReactivateTenantWorkflow {
    @Override
    public String reactivate(TenantOperation op) {
      registry().setStatus(op.tenantId(), "ACTIVE");
      return "ACTIVE";
    }
  }

  /** Offboards. */
  public static class Offboard implements OffboardTenantWorkflow {
    @Override
    public String offboard(TenantOperation op) {
      RegistryDoubleActivities registry = registry();
      registry.setStatus(op.tenantId(), "DELETING");
      registry.setStatus(op.tenantId(), "DELETED");
      return "DELETED";
    }
  }
}
