package com.taskifai.workflows;

import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Audit rows for workflow events that are not activities; a failed write never fails a workflow.
 */
public final class WorkflowAudit {
  private static final Logger log = Workflow.getLogger(WorkflowAudit.class);

  private WorkflowAudit() {}

  /** Writes the row through record_audit; logs and goes on when it cannot. */
  public static void record(TenantRegistryActivities registry, AuditRecord row) {
    try {
      registry.recordAudit(row);
    } catch (ActivityFailure e) {
      log.warn(
          "tenant {}: audit of {} {} {} failed",
          row.tenantId(),
          row.action(),
          row.step(),
          row.outcome());
    }
  }
}
