package com.taskifai.workflows.trial;

import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.OnlineMoveStep;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * Promotes a trial from the shared trial database to a database of its own: the provisioning's
 * database steps, a write hold, a row copy, a count check per table, one registry swap, then the
 * trial's rows leave the shared database. Where the server can, the rows are copied online (logical
 * replication of the trial's rows only) while the trial keeps writing, and the hold lasts only for
 * the changeover ({@link #ONLINE_STEPS}). Undone with the trial untouched when a step before the
 * swap fails for good.
 */
@WorkflowInterface
public interface PromoteTenantWorkflow {
  /** The step names, in order (the promotion that freezes the trial for the whole copy). */
  java.util.List<String> STEPS = StepName.names(PromotionStep.class);

  /**
   * The step names of an online promotion, in order: the row copy is an online move's replication
   * (its step names), the trial's writes held only for the changeover.
   */
  java.util.List<String> ONLINE_STEPS =
      java.util.List.of(
          PromotionStep.CLAIM_PROMOTION.stepName(),
          PromotionStep.CREATE_DATABASE.stepName(),
          PromotionStep.MIGRATE_SCHEMA.stepName(),
          PromotionStep.APPLY_RLS.stepName(),
          OnlineMoveStep.START_REPLICATION.stepName(),
          OnlineMoveStep.CATCH_UP.stepName(),
          PromotionStep.HOLD_TRIAL_WRITES.stepName(),
          OnlineMoveStep.AWAIT_ZERO_LAG.stepName(),
          OnlineMoveStep.SET_SEQUENCES.stepName(),
          OnlineMoveStep.STOP_REPLICATION.stepName(),
          PromotionStep.VERIFY_TRIAL_COPY.stepName(),
          PromotionStep.SWAP_TO_DEDICATED.stepName(),
          PromotionStep.DELETE_TRIAL_ROWS.stepName());

  /** The workflow id of a tenant's promotion. */
  static String workflowId(UUID tenantId) {
    return WorkflowIds.promote(tenantId);
  }

  @WorkflowMethod
  PromotionProgress promote(PromoteTenantRequest request);

  @QueryMethod
  PromotionProgress progress();
}
