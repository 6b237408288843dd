package com.taskifai.workflows.reconcile;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Finds what the registry does not account for: tenant-named databases and roles on every
 * registered server, DNS records, staged secrets, and tenants whose workflow is gone. Saves a
 * report and audits it; removes nothing.
 */
@WorkflowInterface
public interface ReconcileFleetWorkflow {

  /** The Temporal Schedule that runs the reconciler on a real server. */
  String SCHEDULE_ID = WorkflowIds.RECONCILE_SCHEDULE;

  /** The timer loop that runs it where the server has no schedules (the in-process server). */
  String LOOP_WORKFLOW_ID = WorkflowIds.RECONCILE_LOOP;

  /** The id of a run asked for by an admin. */
  static String onDemandWorkflowId(String suffix) {
    return WorkflowIds.reconcileOnDemand(suffix);
  }

  @WorkflowMethod
  ReconcileSummary reconcile(ReconcileRequest request);
}
