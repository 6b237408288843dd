package com.taskifai.workflows.move;

import com.taskifai.workflows.StepName;
import com.taskifai.workflows.saga.StepProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.UUID;

/**
 * Moves a tenant's database to another database server: copy, verify, swap, and retire the old
 * database after a grace period. Writes are held from the copy to the swap; any failure before the
 * swap leaves the tenant where it was with nothing left on the target. The id is {@link
 * com.taskifai.workflows.WorkflowIds#move}.
 */
@WorkflowInterface
public interface MoveTenantWorkflow {

  /** The steps in order (public names: progress, audit, fault injection). */
  List<String> STEPS = StepName.names(MoveStep.class);

  /**
   * The request. {@code graceSeconds} is how long the old database is kept after the swap; {@code
   * drainWorkflowId}, when set, is the drain that is told how the move went.
   */
  record MoveRequest(
      UUID tenantId,
      String targetServerId,
      long graceSeconds,
      String actor,
      String drainWorkflowId) {}

  /** Where a move is: the step, the servers, the outcome so far, and every step's state. */
  record MoveProgress(
      String step,
      String sourceServerId,
      String targetServerId,
      String database,
      String outcome,
      String error,
      List<StepProgress> steps) {}

  /**
   * @return {@code MOVED} once the old database is dropped
   */
  @WorkflowMethod
  String move(MoveRequest request);

  @QueryMethod
  MoveProgress progress();

  /** Cuts the grace period short: the old database is dropped now. */
  @SignalMethod
  void retireNow();
}
