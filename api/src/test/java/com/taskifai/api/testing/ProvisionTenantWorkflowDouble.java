package com.taskifai.api.testing;

import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import com.taskifai.workflows.provisioning.StepProgress;
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
  private String status = "PROVISIONING";
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
            StepProgress.DONE,
            Instant.ofEpochMilli(Workflow.currentTimeMillis()),
            Instant.ofEpochMilli(Workflow.currentTimeMillis()),
            null));
    if (r.injectFault() != null) {
      registry.audit(r.tenantId(), r.injectFault(), "failed");
      registry.audit(r.tenantId(), "undo_reserve_tenant", "succeeded");
      registry.setStatus(r.tenantId(), "FAILED");
      status = "FAILED";
      return new ProvisioningResult(r.tenantId(), "FAILED", r.injectFault(), "injected", false);
    }
    registry.setStatus(r.tenantId(), "AWAITING_VERIFICATION");
    status = "AWAITING_VERIFICATION";
    steps.add(new StepProgress("await_verification", StepProgress.RUNNING, null, null, null));
    try {
      Workflow.await(() -> verified);
    } catch (CanceledFailure cancelled) {
      Workflow.newDetachedCancellationScope(
              () -> {
                registry.audit(tenantId, "undo_reserve_tenant", "succeeded");
                registry.setStatus(tenantId, "FAILED");
              })
          .run();
      status = "FAILED";
      throw cancelled;
    }
    registry.setStatus(r.tenantId(), "ACTIVE");
    status = "ACTIVE";
    return new ProvisioningResult(r.tenantId(), "ACTIVE", null, null, true);
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
