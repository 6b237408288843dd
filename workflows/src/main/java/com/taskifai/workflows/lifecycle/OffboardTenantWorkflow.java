package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Offboards a tenant: stop traffic (DELETING), delete the DNS record, drop the database and roles,
 * erase the credentials, DELETED. Every step is idempotent, so the workflow can be started again.
 */
@WorkflowInterface
public interface OffboardTenantWorkflow {
  /** One offboarding per tenant. */
  static String workflowId(java.util.UUID tenantId) {
    return WorkflowIds.offboard(tenantId);
  }

  @WorkflowMethod
  String offboard(TenantOperation operation);
}
