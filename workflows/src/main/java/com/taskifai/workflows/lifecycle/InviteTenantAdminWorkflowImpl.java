package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.workflow.Workflow;
import java.util.Map;

/** Mails a new set-password link through send_admin_invite; returns "SENT". */
public class InviteTenantAdminWorkflowImpl implements InviteTenantAdminWorkflow {

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.REGISTRY);
  private final TenantMailActivities mail =
      Workflow.newActivityStub(TenantMailActivities.class, ActivityPolicies.MAIL);

  @Override
  public String invite(TenantOperation operation) {
    LifecycleActivities.audit(registry, operation, "send_admin_invite", Outcome.STARTED, Map.of());
    mail.sendAdminInvite(StepInput.of(operation.tenantId(), operation.subdomain()));
    LifecycleActivities.audit(
        registry, operation, "send_admin_invite", Outcome.SUCCEEDED, Map.of());
    return "SENT";
  }
}
