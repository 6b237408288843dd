package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import java.util.Map;

/** The audit call shared by the lifecycle workflows (their options: {@code ActivityPolicies}). */
final class LifecycleActivities {

  private LifecycleActivities() {}

  /** Records who asked for the operation and how it ended; an audit failure never fails it. */
  static void audit(
      TenantRegistryActivities registry,
      TenantOperation operation,
      String action,
      Outcome outcome,
      Map<String, String> detail) {
    WorkflowAudit.record(
        registry,
        new AuditRecord(operation.tenantId(), operation.actor(), action, null, outcome, detail));
  }
}
