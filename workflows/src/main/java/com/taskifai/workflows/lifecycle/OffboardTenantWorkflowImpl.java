package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.workflow.Workflow;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Offboards a tenant: mark_deleting (traffic stops), undo_configure_dns, undo_create_database,
 * undo_store_credentials, mark_deleted. Each activity is idempotent, so a restarted or repeated
 * offboarding finishes what an earlier one began. A step that fails for good fails the workflow and
 * leaves the tenant DELETING, which the platform's restart check picks up again.
 */
public class OffboardTenantWorkflowImpl implements OffboardTenantWorkflow {

  private static final Logger log = Workflow.getLogger(OffboardTenantWorkflowImpl.class);

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.REGISTRY);
  private final TenantDatabaseActivities database =
      Workflow.newActivityStub(TenantDatabaseActivities.class, ActivityPolicies.DATABASE);
  private final DnsActivities dns =
      Workflow.newActivityStub(DnsActivities.class, ActivityPolicies.DNS);

  @Override
  public String offboard(TenantOperation operation) {
    log.info("offboarding tenant {}", operation.tenantId());
    StepInput input = StepInput.of(operation.tenantId(), operation.subdomain());
    LifecycleActivities.audit(registry, operation, "offboard_tenant", Outcome.STARTED, Map.of());
    registry.markDeleting(input);
    dns.deleteDns(input);
    database.dropDatabase(input);
    registry.eraseCredentials(input);
    registry.markDeleted(input);
    LifecycleActivities.audit(registry, operation, "offboard_tenant", Outcome.SUCCEEDED, Map.of());
    return "DELETED";
  }
}
