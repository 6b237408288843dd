package com.taskifai.api.testing;

import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Test double of the provisioning workflow: reserves the tenant, waits for the verification signal
 * and activates; an injected fault or a cancellation ends in FAILED. Only the API's side of the
 * contract (ids, query, signal, cancel) is real.
 */
public class ProvisionTenantWorkflowDouble implements ProvisionTenantWorkflow {
  private final RegistryDoubleActivities registry =
      Workflow.newActivityStub(
          RegistryDoubleActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());
  private UUID tenantId;
  private WorkflowStatus status = WorkflowStatus.PROVISIONING;
  private final List<StepProgress> steps = new ArrayList<>();
  private boolean verified;

  @Override
  public ProvisioningResult provision(ProvisionTenantRequest r) {
    tenantId = r.tenantId();
    registry.reserve(r.tenantId(), r.subdomain(), r.companyName(), r.adminEmail(), r.region());
    registry.audit(r.tenantId(), "reserve_tenant", "started");
    registry.audit(r.tenantId(), "reserve_tenant", "succeeded");
    steps.add(
        new StepProgress(
            "reserve_tenant",
            StepState.DONE,
            Instant.ofEpochMilli(Workflow.currentTimeMillis()),
            Instant.ofEpochMilli(Workflow.currentTimeMillis()),
            null));
    Object fault = Workflow.getMemo(FaultInjection.MEMO, String.class);
    if (fault != null) {
      registry.audit(r.tenantId(), fault.toString(), "failed");
      registry.audit(r.tenantId(), "undo_reserve_tenant", "succeeded");
      registry.setStatus(r.tenantId(), "FAILED");
      status = WorkflowStatus.FAILED;
      return new ProvisioningResult(
          r.tenantId(), WorkflowStatus.FAILED, fault.toString(), "injected", false);
    }
    registry.setStatus(r.tenantId(), "AWAITING_VERIFICATION");
    status = WorkflowStatus.AWAITING_VERIFICATION;
    steps.add(new StepProgress("await_verification", StepState.RUNNING, null, null, null));
    try {
      Workflow.await(() -> verified);
    } catch (CanceledFailure cancelled) {
      Workflow.newDetachedCancellationScope(
              () -> {
                registry.audit(tenantId, "undo_reserve_tenant", "succeeded");
                registry.setStatus(tenantId, "FAILED");
              })
          .run();
      status = WorkflowStatus.FAILED;
      throw cancelled;
    }
    registry.setStatus(r.tenantId(), "ACTIVE");
    status = WorkflowStatus.ACTIVE;
    return new ProvisioningResult(r.tenantId(), WorkflowStatus.ACTIVE, null, null, true);
  }

  @Override
  public void emailVerified(EmailVerified signal) {
    verified = true;
  }

  @Override
  public ProvisioningProgress progress() {
    return new ProvisioningProgress(tenantId, status, List.copyOf(steps));
  }
}
