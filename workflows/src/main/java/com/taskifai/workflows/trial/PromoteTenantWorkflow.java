package com.taskifai.workflows.trial;

import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * Promotes a trial from the shared trial database to a database of its own: the provisioning's
 * database steps, a write hold, a row copy, a count check per table, one registry swap, then the
 * trial's rows leave the shared database. Undone with the trial untouched when a step before the
 * swap fails for good.
 */
@WorkflowInterface
public interface PromoteTenantWorkflow {
  /** The step names, in order. */
  java.util.List<String> STEPS = StepName.names(PromotionStep.class);

  /** The workflow id of a tenant's promotion. */
  static String workflowId(UUID tenantId) {
    return WorkflowIds.promote(tenantId);
  }

  @WorkflowMethod
  PromotionProgress promote(PromoteTenantRequest request);

  @QueryMethod
  PromotionProgress progress();
}
